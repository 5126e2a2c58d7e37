"""Tests of eligate.simulator."""
