"""eligate: US healthcare eligibility (X12 270/271) normalization and real-time core."""

__version__ = "0.1.0"
