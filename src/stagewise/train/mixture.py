"""Data mixtures: sources with weights or counts, a `safety_share`, deterministic sampling by seed,
row validation (error, or counted skip), the teacher swap, and the dataset manifest.

Rows are chat data: SFT rows carry `messages`; preference rows carry `prompt`, `chosen` and
`rejected` (conversational, as TRL's `DPOTrainer` reads them). Any row may carry `id` and `tags`.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal

from stagewise._atomic import read_utf8
from stagewise.train._files import file_sha256, local_path
from stagewise.train.config import DataSource, Mixture
from stagewise.train.errors import TrainError

RowKind = Literal["sft", "preference"]
ROLES = ("system", "user", "assistant")


@dataclass
class MixtureResult:
    """The sampled rows and what the manifest says about them."""

    rows: list[dict[str, Any]]
    manifest: dict[str, Any] = field(default_factory=dict)


def build_mixture(mix: Mixture, kind: RowKind, skip_invalid: bool = False) -> MixtureResult:
    """Load, validate and sample every source, then apply the teacher swap (SFT only).

    Raises:
        TrainError: a bad row (unless `skip_invalid`), a weight or count that the data cannot
            meet, or a teacher swap that cannot be done.
    """
    loaded: list[tuple[DataSource, list[dict[str, Any]], dict[str, Any]]] = []
    for i, src in enumerate(mix.sources):
        raw, origin = load_source(src)
        valid: list[dict[str, Any]] = []
        skipped: Counter[str] = Counter()
        for j, row in enumerate(raw):
            problem = row_problem(row, kind)
            if problem is None:
                valid.append({**row, "id": str(row.get("id", f"{src.label}:{j}"))})
            elif skip_invalid:
                skipped[problem] += 1
            else:
                raise TrainError(
                    f"{src.label} row {j}: {problem}; fix the row or set skip_invalid: true to drop and count such rows"
                )
        if not valid:
            raise TrainError(f"source {src.label} has no valid {kind} rows; check its format (see docs/stages/mixtures.md)")
        loaded.append((src, valid, {**origin, "source": src.label, "rows_read": len(raw), "rows_valid": len(valid),
                                    "skipped": dict(skipped), "safety": src.safety, "index": i}))
    wanted = _allocate(mix, [(s, len(v)) for s, v, _ in loaded])
    rows: list[dict[str, Any]] = []
    sources_manifest = []
    for (src, valid, info), n in zip(loaded, wanted):
        picked = _sample(valid, n, seed=(mix.seed, info["index"]))
        rows.extend(picked)
        info.pop("index")
        sources_manifest.append({**info, "rows_used": n, "weight": src.weight, "count": src.count})
    rows = _sample(rows, len(rows), seed=(mix.seed,))  # interleave sources
    manifest: dict[str, Any] = {
        "kind": kind,
        "seed": mix.seed,
        "safety_share": mix.safety_share,
        "sources": sources_manifest,
        "skipped_invalid": sum(sum(s["skipped"].values()) for s in sources_manifest),
    }
    if mix.teacher_swap is not None:
        if kind != "sft":
            raise TrainError("teacher_swap applies to SFT mixtures; remove it from the DPO config")
        from stagewise.train.teacher import apply_teacher_swap

        rows, manifest["teacher_swap"] = apply_teacher_swap(rows, mix.teacher_swap, skip_invalid=skip_invalid)
    manifest["safety_rows"] = sum(1 for r in rows if r.get("_safety"))
    for r in rows:
        r.pop("_safety", None)
    manifest["rows"] = len(rows)
    manifest["sha256"] = rows_sha256(rows)
    return MixtureResult(rows=rows, manifest=manifest)


def load_source(src: DataSource) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Read a source's rows and describe where they came from (path or hub id, hash/revision)."""
    if src.hub is not None:
        import datasets

        try:
            ds = datasets.load_dataset(src.hub, split=src.split, revision=src.revision)
        except Exception as e:  # network, auth, missing split: one line for the user
            raise TrainError(
                f"cannot load hub dataset {src.hub} (split {src.split}): {type(e).__name__}; check the id and "
                "network, or download it and use `path:`"
            ) from None
        rows = [_mark(dict(r), src) for r in ds]
        return rows, {"hub": src.hub, "split": src.split, "revision": src.revision, "fingerprint": ds._fingerprint}
    path = local_path(src.path or "")
    if not path.is_file():
        raise TrainError(f"data file {path} not found; fix `path` in the mixture (or use bundled:NAME)")
    if path.suffix == ".parquet":
        import pandas as pd

        rows = [_mark(_plain(r), src) for r in pd.read_parquet(path).to_dict("records")]
    elif path.suffix in (".jsonl", ".json"):
        rows = []
        for n, line in enumerate(read_utf8(path, "training data file").splitlines()):
            if not line.strip():
                continue
            try:
                rows.append(_mark(json.loads(line), src))
            except json.JSONDecodeError as e:
                raise TrainError(f"{path} line {n + 1}: not valid JSON ({e.msg}); one JSON object per line") from None
    else:
        raise TrainError(f"data file {path}: use .jsonl or .parquet (chat `messages` rows)")
    return rows, {"path": str(src.path), "sha256": file_sha256(path)}


def row_problem(row: Any, kind: RowKind) -> str | None:
    """Why a row cannot be trained on (one short phrase), or None when it is fine."""
    if not isinstance(row, dict):
        return "row is not a JSON object"
    if kind == "sft":
        problem = _turns_problem(row.get("messages"), "messages")
        if problem:
            return problem
        if row["messages"][-1]["role"] != "assistant":
            return "messages must end with an assistant turn"
        return None
    problem = _turns_problem(row.get("prompt"), "prompt")
    if problem:
        return problem
    if row["prompt"][-1]["role"] != "user":
        return "prompt must end with a user turn"
    for key in ("chosen", "rejected"):
        turns = row.get(key)
        if not (isinstance(turns, list) and len(turns) == 1 and isinstance(turns[0], dict)):
            return f"{key} must be a list with one assistant message"
        if turns[0].get("role") != "assistant":
            return f"{key} must be an assistant message"
        content = turns[0].get("content")
        if not isinstance(content, str) or not content.strip():
            return f"empty {key} response"
    return None


def _turns_problem(turns: Any, key: str) -> str | None:
    if not isinstance(turns, list) or not turns:
        return f"missing or empty `{key}` (a list of {{role, content}} turns)"
    for i, t in enumerate(turns):
        if not isinstance(t, dict) or "role" not in t:
            return f"{key}[{i}] has no role"
        if t["role"] not in ROLES:
            return f"{key}[{i}] has unknown role {t['role']!r} (use system, user, assistant)"
        if not isinstance(t.get("content"), str) or not t["content"].strip():
            return f"{key}[{i}] ({t['role']}) is an empty turn"
        if t["role"] == "system" and i != 0:
            return f"{key}[{i}]: a system turn may only come first"
    dialog = [t["role"] for t in turns if t["role"] != "system"]
    if not dialog or dialog[0] != "user" or any(a == b for a, b in zip(dialog, dialog[1:])):
        return f"{key} must alternate user and assistant turns, starting with the user"
    return None


def _allocate(mix: Mixture, sizes: list[tuple[DataSource, int]]) -> list[int]:
    """Rows to draw from each source: counts as given, weights as shares of the rest."""
    counts = [s.count for s, _ in sizes]
    for (s, avail), c in zip(sizes, counts):
        if c is not None and c > avail:
            raise TrainError(f"source {s.label} has {avail} valid rows but count asks for {c}; lower count or add rows")
    free = [i for i, c in enumerate(counts) if c is None]
    if mix.safety_share is not None and len(free) != len(sizes):
        raise TrainError("safety_share cannot be combined with per-source `count`; use weights (or none)")
    weighted = [sizes[i][0].weight is not None for i in free]
    if any(weighted) and not all(weighted):
        raise TrainError("give every non-count source a weight, or none (then each contributes all its rows)")
    out = [c or 0 for c in counts]
    if not free:
        if mix.total is not None and mix.total != sum(out):
            raise TrainError(f"mixture total {mix.total} differs from the sum of counts {sum(out)}; drop one of them")
        return out
    shares = _shares(mix, [sizes[i] for i in free], use_weights=all(weighted))
    rest = None if mix.total is None else mix.total - sum(out)
    if rest is not None and rest <= 0:
        raise TrainError(f"mixture total {mix.total} leaves no room for the weighted sources after the counts")
    if rest is None:  # the largest mixture the weights allow without repeating rows
        rest = min(math.floor(sizes[i][1] / p + 1e-9) for i, p in zip(free, shares) if p > 0)
    for i, n in zip(free, _round_shares(shares, rest)):
        s, avail = sizes[i]
        if n > avail:
            raise TrainError(
                f"source {s.label} has {avail} valid rows but its share needs {n} of a {rest}-row mixture; "
                "lower total or the weight/safety_share, or add rows"
            )
        out[i] = n
    return out


def _shares(mix: Mixture, sizes: list[tuple[DataSource, int]], use_weights: bool) -> list[float]:
    raw = [float(s.weight) if use_weights and s.weight is not None else float(n) for s, n in sizes]
    if mix.safety_share is None:
        return [w / sum(raw) for w in raw]
    groups = {True: sum(w for (s, _), w in zip(sizes, raw) if s.safety),
              False: sum(w for (s, _), w in zip(sizes, raw) if not s.safety)}
    target = {True: mix.safety_share, False: 1.0 - mix.safety_share}
    for flag, name in ((True, "safety"), (False, "non-safety")):
        if target[flag] > 0 and groups[flag] == 0:
            raise TrainError(f"safety_share {mix.safety_share} needs a {name} source; mark one with safety: true/false")
    return [target[s.safety] * w / groups[s.safety] if groups[s.safety] else 0.0 for (s, _), w in zip(sizes, raw)]


def _round_shares(shares: list[float], total: int) -> list[int]:
    """Largest-remainder rounding: the counts add up to `total` exactly."""
    exact = [p * total for p in shares]
    out = [math.floor(x) for x in exact]
    order = sorted(range(len(exact)), key=lambda i: exact[i] - out[i], reverse=True)
    for i in order[: total - sum(out)]:
        out[i] += 1
    return out


def _sample(rows: list[dict[str, Any]], n: int, seed: tuple[int, ...]) -> list[dict[str, Any]]:
    import numpy as np

    order = np.random.default_rng(list(seed)).permutation(len(rows))[:n]
    return [rows[int(i)] for i in order]


def rows_sha256(rows: list[dict[str, Any]]) -> str:
    """Hash of the exact training rows, in order."""
    h = hashlib.sha256()
    for r in rows:
        h.update(json.dumps(r, sort_keys=True, ensure_ascii=False).encode())
        h.update(b"\n")
    return h.hexdigest()


def _mark(row: Any, src: DataSource) -> Any:
    if isinstance(row, dict) and src.safety:
        row["_safety"] = True
    return row


def _plain(value: Any) -> Any:
    """Parquet gives numpy arrays for lists; turn them back into JSON-able Python."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
