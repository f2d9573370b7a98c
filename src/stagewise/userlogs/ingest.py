"""Ingest chat logs: read, normalise, scrub, drop empty and duplicate prompts, write shards.

Streaming end to end: records are read one at a time and written in Parquet shards of
`shard_size` conversations; only the duplicate index (two integers per kept prompt) grows.
Every shard is written atomically and `progress.json` records how many input records it
covers, so a rerun after a crash skips finished shards and loses nothing already written.

Out folder::

    conversations/part-NNNNN.parquet   kept, scrubbed conversations
    dropped/part-NNNNN.parquet         file, line, reason for every record not kept
    progress.json                      resume point
    manifest.json                      counts per reason, personal data found, first bad lines
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from stagewise._atomic import atomic_write_bytes, atomic_write_text
from stagewise.errors import StagewiseError
from stagewise.userlogs._names import load_pipeline, recogniser_identity, resolve_names
from stagewise.userlogs._readers import RawRecord, list_inputs, read_records
from stagewise.userlogs._schema import ACCEPTED_SHAPES, SchemaError, UnknownShape, normalise
from stagewise.userlogs.dedupe import Deduper, exact_hash, simhash
from stagewise.userlogs.scrub import NameMode, scrub

# A file whose first N readable records all have unknown shapes is the wrong file, not noise.
SCHEMA_PROBE = 50
BAD_LINES_KEPT = 200


@dataclass
class IngestConfig:
    """What to ingest and how.

    Attributes:
        inputs: files or folders (JSONL / JSONL.gz / Parquet / CSV), or `hub:wildchat` /
            `hub:lmsys` (see `stagewise.userlogs.hub`).
        out_dir: the ingest folder (created; reruns resume it).
        shard_size: conversations per output shard (the resume granularity).
        max_chars: a turn longer than this is dropped as `too_long`.
        near_distance: SimHash bits within which prompts are near duplicates (0 = exact only).
        names: person-name recogniser: `auto` (spaCy with en_core_web_sm if both are installed,
            else the heuristic), `heuristic`, `off`, `spacy` or `spacy:NAME_OR_PATH`.
        limit: stop after this many input records (None = all).
    """

    inputs: list[str]
    out_dir: Path
    shard_size: int = 10_000
    max_chars: int = 100_000
    near_distance: int = 3
    names: NameMode = "auto"
    limit: int | None = None
    progress: bool = True
    _fingerprint: str = field(default="", repr=False)


class ResumeError(StagewiseError):
    """The out folder holds an ingest of other inputs or settings."""


def _fingerprint(cfg: IngestConfig, names: str) -> str:
    h = hashlib.sha256()
    for item in cfg.inputs:
        if item.startswith("hub:"):
            h.update(item.encode())
            continue
        for p in list_inputs([Path(item)]):
            st = p.stat()
            h.update(f"{p.resolve()}|{st.st_size}|{int(st.st_mtime)}".encode())
    # The recogniser that really runs (`auto` resolved, a pipeline folder with its meta.json), so a
    # resume after installing spaCy, or with another pipeline, is refused rather than mixed.
    h.update(f"{cfg.max_chars}|{cfg.near_distance}|{recogniser_identity(names)}|{cfg.limit}|{cfg.shard_size}".encode())
    return h.hexdigest()[:16]


def _records(cfg: IngestConfig) -> Iterator[RawRecord]:
    for item in cfg.inputs:
        if item.startswith("hub:"):
            from stagewise.userlogs.hub import hub_records

            yield from _probed(item, hub_records(item.removeprefix("hub:")))
            continue
        for path in list_inputs([Path(item)]):
            yield from _probed(str(path), read_records(path))


def _probed(source: str, records: Iterator[RawRecord]) -> Iterator[RawRecord]:
    """`records` as they come, stopping the run when `source` is the wrong file or dataset.

    Raises:
        SchemaError: none of the first `SCHEMA_PROBE` readable records (or none at all) has a
            known shape: counting each as `unknown_schema` would hide the mistake.
    """
    known = unknown = 0
    for rec in records:
        if rec.data is not None:
            try:
                normalise_ok = bool(rec.data) and _shape_ok(rec.data)
            except UnknownShape:
                normalise_ok = False
            known, unknown = known + normalise_ok, unknown + (not normalise_ok)
            if known == 0 and unknown >= SCHEMA_PROBE:
                raise SchemaError(f"{source}: no record of a known shape in its first {unknown} records; "
                                  f"accepted shapes: {ACCEPTED_SHAPES}")
        yield rec
    if known == 0 and unknown > 0:
        raise SchemaError(f"{source}: no record of a known shape; accepted shapes: {ACCEPTED_SHAPES}")


def _shape_ok(data: dict[str, Any]) -> bool:
    from stagewise.userlogs._schema import detect_shape

    detect_shape(data)
    return True


class _State:
    def __init__(self, out: Path, fingerprint: str, near: int) -> None:
        self.out = out
        self.dedupe = Deduper(near)
        self.counts: Counter[str] = Counter()
        self.pii: Counter[str] = Counter()
        self.bad_lines: list[dict[str, Any]] = []
        self.consumed = 0
        self.shards = 0
        self.fingerprint = fingerprint

    def save(self) -> None:
        atomic_write_text(self.out / "progress.json", json.dumps({
            "fingerprint": self.fingerprint, "records_consumed": self.consumed, "shards": self.shards,
            "counts": dict(self.counts), "pii": dict(self.pii), "bad_lines": self.bad_lines}, indent=1))

    def load(self) -> None:
        import pyarrow.parquet as pq

        prog = json.loads((self.out / "progress.json").read_text())
        if prog["fingerprint"] != self.fingerprint:
            raise ResumeError(f"{self.out} holds an ingest of other inputs or settings; "
                              "pass a new --out folder or --force to start over")
        self.consumed, self.shards = prog["records_consumed"], prog["shards"]
        self.counts, self.pii = Counter(prog["counts"]), Counter(prog["pii"])
        self.bad_lines = prog["bad_lines"]
        for i in range(self.shards):
            t = pq.read_table(self.out / "conversations" / f"part-{i:05d}.parquet", columns=["exact_hash", "simhash"])
            for e, s in zip(t.column("exact_hash").to_pylist(), t.column("simhash").to_pylist()):
                self.dedupe.add(e, s)


def _write_parquet(path: Path, rows: list[dict[str, Any]], schema: Any) -> None:
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), buf, compression="zstd")
    atomic_write_bytes(path, buf.getvalue())


def _schemas() -> tuple[Any, Any]:
    import pyarrow as pa

    kept = pa.schema([("id", pa.string()), ("shape", pa.string()), ("prompt", pa.string()),
                      ("turns", pa.string()), ("n_turns", pa.int32()), ("exact_hash", pa.int64()),
                      ("simhash", pa.int64()), ("source_file", pa.string()), ("source_line", pa.int64()),
                      ("meta", pa.string()), ("pii", pa.string())])
    dropped = pa.schema([("source_file", pa.string()), ("source_line", pa.int64()), ("id", pa.string()),
                         ("reason", pa.string())])
    return kept, dropped


def ingest(cfg: IngestConfig, force: bool = False) -> Path:
    """Run (or resume) an ingest; returns the out folder, whose `manifest.json` says what happened."""
    from tqdm import tqdm

    out = cfg.out_dir
    names = resolve_names(cfg.names)
    if names.startswith("spacy:"):
        load_pipeline(names.removeprefix("spacy:"))  # a missing pipeline stops here, before any work
    fp = _fingerprint(cfg, names)
    state = _State(out, fp, cfg.near_distance)
    if force:
        for sub in ("manifest.json", "progress.json"):
            (out / sub).unlink(missing_ok=True)
    if (out / "manifest.json").exists() and json.loads((out / "manifest.json").read_text())["fingerprint"] == fp:
        print(f"ingest: {out} is already finished with these settings; nothing to do (--force starts over)",
              file=sys.stderr)
        return out
    if (out / "progress.json").exists():
        state.load()
        print(f"ingest: resuming {out}: {state.consumed} records and {state.shards} shard(s) already done; "
              f"continuing from record {state.consumed + 1}", file=sys.stderr)
    else:  # a fresh start: shards of an earlier, abandoned ingest must not linger
        for sub in ("conversations", "dropped"):
            shutil.rmtree(out / sub, ignore_errors=True)
    # Ingest has work to do, so embeddings and clusters of an earlier state are stale.
    for sub in ("embeddings", "clusters"):
        shutil.rmtree(out / sub, ignore_errors=True)
    kept_schema, dropped_schema = _schemas()
    kept: list[dict[str, Any]] = []
    dropped: list[dict[str, Any]] = []
    skip = state.consumed

    def flush() -> None:
        _write_parquet(out / "conversations" / f"part-{state.shards:05d}.parquet", kept, kept_schema)
        _write_parquet(out / "dropped" / f"part-{state.shards:05d}.parquet", dropped, dropped_schema)
        state.shards += 1
        state.save()
        kept.clear()
        dropped.clear()

    def drop(rec: RawRecord, reason: str, cid: str = "") -> None:
        state.counts[reason] += 1
        dropped.append({"source_file": rec.file, "source_line": rec.line, "id": cid, "reason": reason})
        if reason not in ("exact_duplicate", "near_duplicate", "empty") and len(state.bad_lines) < BAD_LINES_KEPT:
            state.bad_lines.append({"file": rec.file, "line": rec.line, "reason": reason})

    # A context manager, so an error mid-read ends the bar's line before the error is printed.
    with tqdm(desc="ingest", unit=" conv", disable=not cfg.progress, initial=skip, mininterval=2) as bar:
        for n, rec in enumerate(_records(cfg)):
            if cfg.limit is not None and n >= cfg.limit:
                break
            if n < skip:
                continue
            state.consumed = n + 1
            bar.update()
            if rec.error is not None:
                drop(rec, rec.error)
            else:
                _one(rec, cfg, state, kept, drop)
            if len(kept) >= cfg.shard_size:
                flush()
    if kept or dropped or state.shards == 0:
        flush()
    manifest = {"fingerprint": fp, "inputs": cfg.inputs, "records": state.consumed,
                "kept": state.counts["kept"], "dropped": {k: v for k, v in sorted(state.counts.items()) if k != "kept"},
                "personal_data_replaced": dict(sorted(state.pii.items())), "names": names, "shards": state.shards,
                "bad_lines": state.bad_lines, "config": {k: (str(v) if isinstance(v, Path) else v)
                                                        for k, v in asdict(cfg).items() if not k.startswith("_")}}
    atomic_write_text(out / "manifest.json", json.dumps(manifest, indent=1))
    return out


def _one(rec: RawRecord, cfg: IngestConfig, state: _State, kept: list[dict[str, Any]], drop: Any) -> None:
    assert rec.data is not None
    try:
        conv = normalise(rec.data, fallback_id=f"{os.path.basename(rec.file)}:{rec.line}")
    except (UnknownShape, ValueError):  # ValueError: a JSON cell in a CSV that does not parse
        drop(rec, "unknown_schema")
        return
    if not conv.prompt.strip():
        drop(rec, "empty", conv.id)
        return
    if any(len(t) > cfg.max_chars for _, t in conv.turns):
        drop(rec, "too_long", conv.id)
        return
    turns: list[tuple[str, str]] = []
    pii: Counter[str] = Counter()
    for role, text in conv.turns:
        clean, counts = scrub(text, cfg.names)
        turns.append((role, clean))
        pii.update(counts)
    prompt = next(t for r, t in turns if r == "user")
    e, s = exact_hash(prompt), simhash(prompt)
    verdict = state.dedupe.check(e, s if cfg.near_distance else 0)
    if verdict != "keep":
        drop(rec, verdict, conv.id)
        return
    state.counts["kept"] += 1
    state.pii.update(pii)
    kept.append({"id": conv.id, "shape": conv.shape, "prompt": prompt, "turns": json.dumps(turns),
                 "n_turns": sum(r == "user" for r, _ in turns), "exact_hash": e, "simhash": s,
                 "source_file": rec.file, "source_line": rec.line, "meta": json.dumps(conv.meta), "pii": json.dumps(pii)})
