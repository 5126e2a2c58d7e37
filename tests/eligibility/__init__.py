"""Tests of the eligibility core: registry, guards, transport, simulator, cache, audit."""
