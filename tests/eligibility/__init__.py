"""Tests of the eligibility core: cache, audit store and their adapters."""
