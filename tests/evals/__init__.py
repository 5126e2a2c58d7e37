"""Tests for eligate (mirrors the package layout)."""
