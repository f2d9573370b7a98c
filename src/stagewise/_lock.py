"""One writer per output folder: an advisory `flock` that the kernel drops when its holder dies
(even on `kill -9`), so there is never a stale lock to clean up by hand."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from stagewise.errors import RunError

LOCK_NAME = ".stagewise.lock"


@contextlib.contextmanager
def hold(folder: Path, what: str = "stagewise run") -> Iterator[None]:
    """Hold `folder`'s lock for the block, or fail in one line naming the pid that holds it."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "?"
            raise RunError(
                f"{folder} is in use by another {what} (pid {holder}); wait for it to finish or stop it "
                f"(`kill {holder}`), then rerun -- finished samples are kept"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock; the file stays (removing it would race a waiting process)
