"""Seeded sampling of conversations to replay, optionally stratified by cluster.

Each conversation gets a key = hash(seed, id); the sample is the N smallest keys (overall,
or per cluster with quotas proportional to cluster size). One streaming pass, memory O(N),
and the same seed always picks the same conversations, whatever order the shards are in.
"""

from __future__ import annotations

import heapq
import json
from pathlib import Path
from typing import Any

import xxhash

from stagewise._atomic import atomic_write_text
from stagewise.errors import StagewiseError
from stagewise.userlogs.embed import shard_paths


def _quotas(sizes: dict[int, int], n: int) -> dict[int, int]:
    """Largest-remainder proportional allocation of n over clusters."""
    total = sum(sizes.values())
    raw = {c: n * s / total for c, s in sizes.items()}
    q = {c: min(sizes[c], int(v)) for c, v in raw.items()}
    for c in sorted(raw, key=lambda c: raw[c] - int(raw[c]), reverse=True):
        if sum(q.values()) >= n:
            break
        if q[c] < sizes[c]:
            q[c] += 1
    return q


def sample(ingest_dir: Path, n: int, seed: int = 0, stratify: bool = False, out: Path | None = None) -> Path:
    """Write `n` sampled conversations as JSONL (the `user_logs` benchmark's `data_path`).

    Each line: id, messages (all scrubbed turns; the task cuts them at the chosen turn),
    cluster / cluster_name / cluster_size / parent / parent_name / parent_size when the log
    was clustered (the `user_logs` task hides clusters smaller than its `k_min`).
    """
    import pyarrow.parquet as pq

    if n <= 0:
        raise StagewiseError(f"sample size must be positive, got {n}")
    clusters = _cluster_lookup(ingest_dir)
    if stratify and clusters is None:
        raise StagewiseError(f"{ingest_dir} is not clustered; run `stagewise logs cluster` first or drop --stratify")
    assign = clusters["assign"] if clusters else {}
    if stratify:
        sizes: dict[int, int] = {}
        for c in assign.values():
            sizes[c] = sizes.get(c, 0) + 1
        quotas = _quotas(sizes, n)
    heaps: dict[int, list[tuple[int, str, str]]] = {}
    for shard in shard_paths(ingest_dir):
        t = pq.read_table(shard, columns=["id", "turns"])
        for cid, turns in zip(t.column("id").to_pylist(), t.column("turns").to_pylist()):
            key = xxhash.xxh64_intdigest(f"{seed}|{cid}".encode())
            group = assign.get(cid, 0) if stratify else 0
            limit = quotas.get(group, 0) if stratify else n
            h = heaps.setdefault(group, [])
            if len(h) < limit:
                heapq.heappush(h, (-key, cid, turns))
            elif h and -h[0][0] > key:
                heapq.heapreplace(h, (-key, cid, turns))
    chosen = sorted((-k, cid, turns) for h in heaps.values() for k, cid, turns in h)
    lines = []
    for _, cid, turns in chosen:
        rec: dict[str, Any] = {"id": cid, "messages": [{"role": r, "content": t} for r, t in json.loads(turns)]}
        if clusters and cid in assign:
            c = assign[cid]
            base = clusters["info"][(0, c)]
            parent = clusters["info"].get((1, base["parent"]), {})
            rec |= {"cluster": c, "cluster_name": base["name"], "cluster_size": base["size"],
                    "parent": base["parent"], "parent_name": parent.get("name", ""),
                    "parent_size": parent.get("size", 0)}
        lines.append(json.dumps(rec))
    out = out or ingest_dir / f"sample-{n}-seed{seed}{'-strat' if stratify else ''}.jsonl"
    atomic_write_text(out, "".join(line + "\n" for line in lines))
    return out


def _cluster_lookup(ingest_dir: Path) -> dict[str, Any] | None:
    import pyarrow.parquet as pq

    meta = ingest_dir / "clusters" / "clusters.json"
    if not meta.exists():
        return None
    t = pq.read_table(ingest_dir / "clusters" / "assignments.parquet", columns=["id", "cluster"])
    info = {(c["level"], c["id"]): c for c in json.loads(meta.read_text())["clusters"]}
    return {"assign": dict(zip(t.column("id").to_pylist(), t.column("cluster").to_pylist())), "info": info}
