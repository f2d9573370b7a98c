"""Errors of the training stages (one line each; the CLI prints them without a traceback)."""

from stagewise.errors import StagewiseError


class TrainError(StagewiseError):
    """A training config, data row or checkpoint is invalid, with what to change."""
