"""Errors that reach the user as one clear line (the CLI prints them without a traceback)."""


class StagewiseError(Exception):
    """Base class: the message says what is wrong and how to fix it."""


class StudyError(StagewiseError):
    """The study file or a CLI override is invalid."""


class CheckpointError(StagewiseError):
    """A checkpoint source cannot be found, converted or reached."""


class RunError(StagewiseError):
    """Running the battery failed in a way the user can fix (unbound role, bad log...)."""


class Interrupted(StagewiseError):
    """SIGINT or SIGTERM stopped the work; what finished is saved and a rerun resumes."""

    def __init__(self, message: str = "interrupted; finished work is saved, rerun the same command to resume") -> None:
        super().__init__(message)


class MissingExtra(StagewiseError):
    """A command needs an optional part of stagewise that is not installed (`pip install 'stagewise[EXTRA]'`)."""
