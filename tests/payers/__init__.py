"""Tests of eligate.payers."""
