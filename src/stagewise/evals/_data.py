"""Benchmark data files: a local copy, or the pinned upstream file fetched once and cached.

Loaders name their file with a `DataFile` (URL pinned to a commit, expected SHA-256) and call
`resolve_data_file(spec, data_path)`. Downloads land atomically under
`cache_root()/data/<benchmark>/<revision>/`, so a second run (or a parallel one) reads the cache.
"""

from __future__ import annotations

import csv
import hashlib
import io
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from stagewise._atomic import atomic_write_bytes, cache_root, read_utf8
from stagewise.errors import StagewiseError

_TIMEOUT_S = 60


class DataError(StagewiseError):
    """A benchmark data file is missing, unreachable or not the pinned version."""


@dataclass(frozen=True)
class DataFile:
    """One upstream benchmark file, pinned to a revision."""

    benchmark: str  # folder name under the cache and under a shared data dir, e.g. "xstest"
    filename: str
    url: str
    revision: str  # the upstream commit the URL is pinned to
    sha256: str | None = None  # checked after download when known


def resolve_data_file(spec: DataFile, data_path: str | Path | None) -> Path:
    """Find the benchmark file: `data_path` (the file, its folder, or a folder of benchmark
    folders) when given, else the cached download of the pinned upstream file.

    Raises:
        DataError: the local path does not hold the file, or the download failed.
    """
    if data_path is None:
        return fetch(spec)
    path = Path(data_path).expanduser()
    if path.is_file():
        return path
    if path.is_dir():
        for candidate in (path / spec.filename, path / spec.benchmark / spec.filename):
            if candidate.is_file():
                return candidate
        raise DataError(
            f"{spec.filename} not found in {path}; pass the file itself or the folder holding it, "
            f"or leave data_path unset to download it from {spec.url}"
        )
    raise DataError(
        f"data_path {path} does not exist; pass the {spec.benchmark} file ({spec.filename}) or its "
        "folder, or leave data_path unset to download the pinned upstream copy"
    )


def fetch(spec: DataFile) -> Path:
    """Download `spec` once into the cache (atomic write, SHA-256 checked) and return its path."""
    dest = cache_root() / "data" / spec.benchmark / spec.revision[:12] / spec.filename
    if dest.is_file():
        return dest
    try:
        with urllib.request.urlopen(spec.url, timeout=_TIMEOUT_S) as resp:
            data = resp.read()
    except (urllib.error.URLError, TimeoutError) as e:
        reason = getattr(e, "reason", e)
        raise DataError(
            f"could not download {spec.url} ({reason}); check the connection or pass "
            f"data_path=<local copy of {spec.filename}>"
        ) from None
    if spec.sha256 is not None:
        digest = hashlib.sha256(data).hexdigest()
        if digest != spec.sha256:
            raise DataError(
                f"{spec.url} has SHA-256 {digest[:16]}..., expected {spec.sha256[:16]}... (the pinned "
                f"revision); pass data_path=<a verified copy of {spec.filename}>"
            )
    atomic_write_bytes(dest, data)
    return dest


def read_csv(path: Path, required: tuple[str, ...]) -> list[dict[str, str]]:
    """Read a benchmark CSV as dict rows, checking that the `required` columns are there.

    Raises:
        DataError: the file is not UTF-8, a required column is missing (a wrong or truncated
            file), or it has a header but no rows.
    """
    reader = csv.DictReader(io.StringIO(read_utf8(path), newline=""))
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    if missing:
        raise DataError(
            f"{path} lacks column(s) {', '.join(missing)}; is it the right file? "
            f"expected columns {', '.join(required)}"
        )
    rows = list(reader)
    if not rows:
        raise DataError(f"{path} has a header but no rows; is it truncated? pass the full file as data_path")
    return rows
