"""validators: see DESIGN.md."""
