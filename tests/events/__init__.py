"""Tests of eligate.events."""
