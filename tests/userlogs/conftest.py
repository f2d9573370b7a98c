"""Fixtures for user-log tests: a small log in every accepted shape and file format."""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import pytest


def write_jsonl(path: Path, rows: list[dict], tail: bytes = b"") -> Path:
    with open(path, "wb") as f:
        for r in rows:
            f.write(json.dumps(r).encode() + b"\n")
        f.write(tail)
    return path


@pytest.fixture
def shapes() -> dict[str, dict]:
    """One record of every accepted shape, each with a distinct first user prompt."""
    return {
        "openai": {"id": "o1", "messages": [{"role": "system", "content": "be nice"},
                                             {"role": "user", "content": [{"type": "text", "text": "openai prompt about tea"}]},
                                             {"role": "assistant", "content": "ok"}]},
        "wildchat": {"conversation_hash": "w1", "conversation": [{"role": "user", "content": "wildchat prompt on bridges"}],
                     "language": "English", "model": "gpt-4"},
        "lmsys": {"conversation_id": "l1", "conversation": [{"role": "user", "content": "lmsys prompt about rivers"}],
                  "model": "vicuna-13b"},
        "sharegpt": {"id": "s1", "conversations": [{"from": "human", "value": "sharegpt prompt on chess openings"},
                                                    {"from": "gpt", "value": "e4"}]},
        "prompt": {"prompt": "single prompt about gardening"},
    }


@pytest.fixture
def every_format(tmp_path: Path, shapes: dict[str, dict]) -> Path:
    """A folder with the same kinds of records as JSONL, JSONL.gz, Parquet and CSV."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    d = tmp_path / "logs"
    d.mkdir()
    write_jsonl(d / "a.jsonl", list(shapes.values()))
    with gzip.open(d / "b.jsonl.gz", "wb") as f:
        f.write(json.dumps({"messages": [{"role": "user", "content": "gzipped prompt about owls"}]}).encode() + b"\n")
    pq.write_table(pa.Table.from_pylist([
        {"conversation_id": "p1", "conversation": [{"role": "user", "content": "parquet prompt about volcanoes"}]},
        {"conversation_id": "p2", "conversation": [{"role": "user", "content": "parquet prompt about glaciers"}]}]),
        d / "c.parquet")
    with open(d / "d.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "messages"])
        w.writerow(["c1", json.dumps([{"role": "user", "content": "csv prompt about bread,\nwith a newline"}])])
    return d
