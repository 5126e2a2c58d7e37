"""Tests of eligate.triage."""
