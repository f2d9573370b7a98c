"""Privacy-safe topic reports: no cluster below k conversations, no raw text unless asked.

A cluster with fewer than `k_min` conversations (the study's k, default 25) is never shown,
named or counted on its own line: such clusters are pooled into one "suppressed" row. Names
come from terms that at least `min_df` prompts share (see `cluster`), and prompt examples
(already scrubbed) appear only with `show_text=True`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from stagewise._atomic import atomic_write_text
from stagewise.userlogs.cluster import load_clusters

DEFAULT_K_MIN = 25


def topic_table(ingest_dir: Path, k_min: int = DEFAULT_K_MIN, show_text: bool = False,
                examples: int = 3) -> dict[str, Any]:
    """Clusters at or above `k_min`, largest first, plus one pooled row for the rest."""
    infos = load_clusters(ingest_dir)
    base = [c for c in infos if c.level == 0]
    parents = {c.id: c for c in infos if c.level == 1}
    shown = sorted((c for c in base if c.size >= k_min), key=lambda c: -c.size)
    hidden = [c for c in base if c.size < k_min]
    rows = []
    for c in shown:
        p = parents.get(c.parent) if c.parent is not None else None
        rows.append({"cluster": c.id, "name": c.name, "size": c.size, "terms": c.terms,
                     "parent": c.parent, "parent_name": p.name if p and p.size >= k_min else "(suppressed)"})
    if show_text:
        ex = _examples(ingest_dir, {c.id for c in shown}, examples)
        for r in rows:
            r["examples"] = ex.get(r["cluster"], [])
    return {"k_min": k_min, "clusters": rows,
            "suppressed": {"clusters": len(hidden), "conversations": sum(c.size for c in hidden)},
            "total": sum(c.size for c in base)}


def _examples(ingest_dir: Path, ids: set[int], n: int) -> dict[int, list[str]]:
    import pyarrow.parquet as pq

    a = pq.read_table(ingest_dir / "clusters" / "assignments.parquet").to_pandas()
    a = a[a["cluster"].isin(ids)].groupby("cluster").head(n)
    out: dict[int, list[str]] = {}
    shards = sorted((ingest_dir / "conversations").glob("part-*.parquet"))
    for shard_i, grp in a.groupby("shard"):
        prompts = pq.read_table(shards[shard_i], columns=["prompt"]).column("prompt").to_pylist()
        for row, c in zip(grp["row"], grp["cluster"]):
            out.setdefault(int(c), []).append(prompts[row][:300])
    return out


def to_markdown(table: dict[str, Any]) -> str:
    """The topic table as Markdown."""
    lines = [f"Topics (clusters with at least {table['k_min']} conversations; {table['total']} in all)", "",
             "| cluster | name | conversations | parent |", "|---|---|---|---|"]
    lines += [f"| {r['cluster']} | {r['name']} | {r['size']} | {r['parent_name']} |" for r in table["clusters"]]
    s = table["suppressed"]
    lines.append(f"| - | (suppressed: {s['clusters']} clusters below k) | {s['conversations']} | |")
    for r in table["clusters"]:
        for e in r.get("examples", []):
            lines.append(f"\n> [{r['cluster']}] {e}")
    return "\n".join(lines) + "\n"


def write_report(ingest_dir: Path, k_min: int = DEFAULT_K_MIN, show_text: bool = False) -> Path:
    """Write `report/topics.json` and `report/topics.md`; returns the Markdown path."""
    table = topic_table(ingest_dir, k_min, show_text)
    out = ingest_dir / "report"
    atomic_write_text(out / "topics.json", json.dumps(table, indent=1))
    atomic_write_text(out / "topics.md", to_markdown(table))
    return out / "topics.md"
