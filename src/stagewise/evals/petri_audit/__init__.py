"""Petri's full multi-turn alignment audit (inspect_petri's `audit` task), run unchanged on each rung."""
