"""Tests of eligate.llm."""
