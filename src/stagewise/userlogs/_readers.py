"""Stream raw records out of JSONL, Parquet and CSV files, one at a time.

Nothing is held in memory beyond one Parquet batch. Records that cannot be read are not
raised: they come out as `RawRecord(error=...)` with their line (or row) number, so the
pipeline counts them, reports them and goes on.
"""

from __future__ import annotations

import csv
import gzip
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from stagewise.errors import StagewiseError

ReadError = Literal["malformed", "non_utf8", "truncated", "not_an_object"]
SUFFIXES = (".jsonl", ".jsonl.gz", ".json", ".parquet", ".csv")


class InputError(StagewiseError):
    """An input path does not exist or is not a readable log file."""


@dataclass
class RawRecord:
    """One record as read: its origin, and either the data or why it could not be read."""

    file: str
    line: int  # 1-based line (JSONL, CSV) or row (Parquet)
    data: dict[str, Any] | None = None
    error: ReadError | None = None


def list_inputs(paths: list[Path]) -> list[Path]:
    """Expand folders into their log files (sorted, so reruns read in the same order)."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            out += sorted(f for f in p.rglob("*") if f.is_file() and f.name.endswith(SUFFIXES))
        elif p.is_file():
            if not p.name.endswith(SUFFIXES):
                raise InputError(f"{p}: unknown file type; give {', '.join(SUFFIXES)} files or a folder of them")
            out.append(p)
        else:
            raise InputError(f"{p} not found; pass log files or folders")
    if not out:
        raise InputError(f"no {', '.join(SUFFIXES)} files under {', '.join(map(str, paths))}")
    return out


def read_records(path: Path) -> Iterator[RawRecord]:
    """Yield every record of one file, bad ones included (with `error` set)."""
    name = path.name
    if name.endswith(".parquet"):
        yield from _parquet(path)
    elif name.endswith(".csv"):
        yield from _csv(path)
    elif name.endswith(".json") and _starts_with(path, b"["):
        yield from _json_array(path)
    else:
        yield from _jsonl(path)


def _starts_with(path: Path, prefix: bytes) -> bool:
    with open(path, "rb") as f:
        head = f.read(4096).lstrip()
    return head.startswith(prefix)


def _json_array(path: Path) -> Iterator[RawRecord]:
    # A JSON array (the usual ShareGPT dump) cannot be streamed with the standard library: it is
    # read whole. Convert big ones to JSONL first (one conversation per line).
    try:
        items = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        yield RawRecord(str(path), 1, error="malformed")
        return
    for i, rec in enumerate(items, start=1):
        yield RawRecord(str(path), i, data=rec) if isinstance(rec, dict) else RawRecord(str(path), i, error="not_an_object")


def _jsonl(path: Path) -> Iterator[RawRecord]:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rb") as f:
        for i, raw in enumerate(f, start=1):
            ends = raw.endswith(b"\n")
            raw = raw.strip()
            if not raw:
                continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                yield RawRecord(str(path), i, error="non_utf8")
                continue
            try:
                data = json.loads(text)
            except json.JSONDecodeError:
                # A last line without its newline that does not parse: the file was cut mid-record.
                yield RawRecord(str(path), i, error="malformed" if ends else "truncated")
                continue
            if not isinstance(data, dict):
                yield RawRecord(str(path), i, error="not_an_object")
                continue
            yield RawRecord(str(path), i, data=data)


def _parquet(path: Path) -> Iterator[RawRecord]:
    import pyarrow.parquet as pq

    row = 0
    for batch in pq.ParquetFile(path).iter_batches(batch_size=1024):
        for rec in batch.to_pylist():
            row += 1
            yield RawRecord(str(path), row, data=rec)


def _csv(path: Path) -> Iterator[RawRecord]:
    csv.field_size_limit(sys.maxsize)  # a 5 MB prompt is a record to skip, not a crash
    with open(path, newline="", encoding="utf-8", errors="surrogateescape") as f:
        reader = csv.DictReader(f)
        while True:
            try:
                rec = next(reader)
            except StopIteration:
                return
            except csv.Error:
                yield RawRecord(str(path), reader.line_num, error="truncated")
                return
            line = reader.line_num
            if None in rec or any(v is None for v in rec.values()):  # too many / too few fields
                yield RawRecord(str(path), line, error="malformed")
                continue
            if any(_has_surrogates(v) for v in rec.values()):
                yield RawRecord(str(path), line, error="non_utf8")
                continue
            yield RawRecord(str(path), line, data=_decode_json_cells(rec))


def _has_surrogates(s: str) -> bool:
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _decode_json_cells(rec: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = dict(rec)
    for key in ("messages", "conversation", "conversations"):
        if key in out and out[key].lstrip().startswith("["):
            try:
                out[key] = json.loads(out[key])
            except json.JSONDecodeError:
                out[key] = None  # normalise() reports it as an unknown shape
    return out
