"""Atomic writes and the cache location: finished work is never half-written."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


def cache_root() -> Path:
    """Where stagewise keeps converted checkpoints, hashes and generations (`STAGEWISE_CACHE`)."""
    root = Path(os.environ.get("STAGEWISE_CACHE") or Path.home() / ".cache" / "stagewise")
    root.mkdir(parents=True, exist_ok=True)
    return root


def atomic_write_text(path: Path, text: str) -> None:
    """Write `text` to `path` via a temp file and rename, so readers never see half a file."""
    atomic_write_bytes(path, text.encode())


def atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; results are meant to be shared
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_dir(final: Path) -> Iterator[Path]:
    """Yield a temp directory beside `final`; on success rename it into place.

    A crash leaves only a `.tmp-*` sibling (removed on the next try), never a half-written
    `final`. If another process finished `final` first, its copy wins and ours is dropped.
    """
    final.parent.mkdir(parents=True, exist_ok=True)
    for stale in final.parent.glob(f".tmp-{final.name}-*"):
        shutil.rmtree(stale, ignore_errors=True)
    tmp = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".tmp-{final.name}-"))
    try:
        yield tmp
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes 0700; checkpoints are meant to be shared
        try:
            os.rename(tmp, final)
        except OSError:
            if not final.exists():
                raise
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def read_utf8(path: Path, what: str = "data file") -> str:
    """The text of a UTF-8 file (a BOM is dropped), or one line saying where it is not UTF-8."""
    from stagewise.errors import StagewiseError

    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise StagewiseError(
            f"{what} {path} is not UTF-8 text (byte 0x{data[e.start]:02x} on line {line}); "
            "re-save it as UTF-8 (e.g. `iconv -f latin1 -t utf-8 IN > OUT`)"
        ) from None
