"""XSTest: exaggerated safety (over-refusal on safe prompts, compliance on unsafe contrasts)."""
