"""Tests of the night run (eligate.batch)."""
