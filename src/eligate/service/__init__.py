"""service: see DESIGN.md."""
