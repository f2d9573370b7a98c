"""Petri's 38 judge dimensions, verbatim from the inspect-petri 3.1.1 wheel (MIT, see LICENSE)."""
