"""Content hashes of checkpoints, memoised by file stat so a 1 GB model is hashed once."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from stagewise._atomic import atomic_write_text, cache_root

# Files that change what a model generates. Optimizer states and logs do not.
_RELEVANT_SUFFIXES = (".safetensors", ".bin", ".json", ".model", ".gguf", ".jinja", ".txt", ".py")
_SKIP_NAMES = {"trainer_state.json", "optimizer.pt", "scheduler.pt", "rng_state.pth", "training_args.bin"}
_CHUNK = 1 << 22


def file_hash(path: Path) -> str:
    """sha256 of one file, memoised by (path, size, mtime) in the stagewise cache."""
    st = path.stat()
    memo_path = cache_root() / "hash-memo" / (hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:32] + ".json")
    stamp = [st.st_size, st.st_mtime_ns]
    if memo_path.exists():
        try:
            memo = json.loads(memo_path.read_text())
            if memo.get("stamp") == stamp:
                return str(memo["sha256"])
        except (json.JSONDecodeError, KeyError):
            pass  # a damaged memo is recomputed, never trusted
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    digest = h.hexdigest()
    atomic_write_text(memo_path, json.dumps({"path": str(path), "stamp": stamp, "sha256": digest}))
    return digest


def content_hash(path: str | os.PathLike[str]) -> str:
    """Hash of a checkpoint's content: a file, or every generation-relevant file of a directory."""
    p = Path(path)
    if p.is_file():
        return file_hash(p)
    h = hashlib.sha256()
    files = sorted(
        f for f in p.rglob("*") if f.is_file() and f.suffix in _RELEVANT_SUFFIXES and f.name not in _SKIP_NAMES
        and "checkpoint-" not in f.relative_to(p).parts[0]
    )
    if not files:
        raise FileNotFoundError(f"{p} holds no model files")
    for f in files:
        h.update(f.relative_to(p).as_posix().encode())
        h.update(file_hash(f).encode())
    return h.hexdigest()
