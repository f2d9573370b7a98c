"""The compare stage's error, apart from the statistics so the CLI can raise it without numpy."""

from __future__ import annotations

from stagewise.errors import StagewiseError


class CompareError(StagewiseError):
    """The results cannot be compared as asked (missing columns, unknown rung, ...)."""
