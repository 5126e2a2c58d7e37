"""Tests of the eligibility core: registry, guards, transport, core, simulator, cache, audit store."""
