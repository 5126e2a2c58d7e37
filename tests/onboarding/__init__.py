"""Tests for eligate.onboarding."""
