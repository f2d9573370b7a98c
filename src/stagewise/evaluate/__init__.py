"""The evaluate stage: study file, runner (local and Ray), status and per-rung results.

Reads checkpoints named by a study file and writes one Inspect log per (rung, benchmark);
`results` turns those logs into the per-sample table that `compare` reads.
"""
