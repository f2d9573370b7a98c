"""Reward hacking: optimise code against a timing script, with hack detectors that do not
rely on the model's honesty (see README.md)."""
