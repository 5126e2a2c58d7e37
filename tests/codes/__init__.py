"""Tests of eligate.codes."""
