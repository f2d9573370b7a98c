"""ODCV-Bench: outcome-driven constraint violations of agents in a shell (see README.md)."""
