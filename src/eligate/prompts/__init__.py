"""prompts: see DESIGN.md."""
