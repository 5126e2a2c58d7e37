"""onboarding: see DESIGN.md."""
