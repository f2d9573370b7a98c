"""Errors that reach the user as one clear line (the CLI prints them without a traceback)."""


class StagewiseError(Exception):
    """Base class: the message says what is wrong and how to fix it."""


class StudyError(StagewiseError):
    """The study file or a CLI override is invalid."""


class CheckpointError(StagewiseError):
    """A checkpoint source cannot be found, converted or reached."""


class RunError(StagewiseError):
    """Running the battery failed in a way the user can fix (unbound role, bad log...)."""
