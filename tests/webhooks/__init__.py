"""Tests of eligate.webhooks."""
