"""Tests of eligate.fhir."""
