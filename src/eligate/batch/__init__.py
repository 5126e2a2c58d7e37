"""batch: see DESIGN.md."""
