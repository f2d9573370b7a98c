"""Single-prompt alignment dilemmas with two autoraters: misaligned decision and eval awareness."""
