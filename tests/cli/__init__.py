"""Tests of eligate.cli."""
