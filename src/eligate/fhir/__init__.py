"""fhir: see DESIGN.md."""
