"""Judges: the offline string-match refusal judge, and LLM judges bound to Inspect model roles."""

from stagewise.judges.refusal import RefusalLabel, string_match_refusal

__all__ = ["RefusalLabel", "string_match_refusal"]
