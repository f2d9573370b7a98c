"""StrongREJECT: refusals of forbidden prompts and how useful a non-refusal is."""
