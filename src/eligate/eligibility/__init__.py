"""eligibility: see DESIGN.md."""
