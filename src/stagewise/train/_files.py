"""Data files named in a training config: `bundled:NAME` or a path, and their content hashes."""

from __future__ import annotations

from pathlib import Path

from stagewise.train.errors import TrainError


def local_path(path: str) -> Path:
    """The file a config names: `bundled:NAME` (shipped with stagewise) or a path."""
    if path.startswith("bundled:"):
        from stagewise.data import BUNDLED, bundled_path

        name = path.removeprefix("bundled:")
        if name not in BUNDLED:
            raise TrainError(f"no bundled data file {name!r}; choose one of {', '.join(BUNDLED)}")
        return bundled_path(name)
    return Path(path)


def file_sha256(path: Path) -> str:
    """sha256 of a data file (memoised by stat in the stagewise cache)."""
    from stagewise.checkpoints import file_hash

    return file_hash(path)
