"""Tests of eligate.guards."""
