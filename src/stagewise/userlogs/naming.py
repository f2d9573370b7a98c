"""Name clusters with a model, Clio-style: in-cluster examples against contrastive ones.

The model sees up to `examples` scrubbed prompts from the cluster and `contrast` from each of
its nearest clusters, and answers `NAME: <a few words>`. Only clusters with at least `k_min`
conversations are sent (smaller ones are never shown anyway). The text it sees is already
scrubbed; with a remote model, that is still user text leaving the machine: choose accordingly.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

from stagewise._atomic import atomic_write_text
from stagewise.userlogs.report import DEFAULT_K_MIN, _examples

NAMING_PROMPT = """Below are user requests from one topic cluster of a chat service, and, for contrast, requests
from neighbouring clusters. Give the cluster a short, specific name (3-8 words) that tells it
apart from the neighbours. Do not include any personal detail.

In-cluster requests:
{inside}

Neighbouring clusters' requests (NOT in this cluster):
{outside}

Answer with one line: NAME: <name>"""
_NAME = re.compile(r"NAME:\s*(.+)", re.I)


def name_clusters(ingest_dir: Path, model: str | Any, k_min: int = DEFAULT_K_MIN, examples: int = 8,
                  contrast: int = 3) -> Path:
    """Rename base clusters of at least `k_min` conversations with `model` (an Inspect model or its name)."""
    from inspect_ai.model import GenerateConfig, get_model

    meta_path = ingest_dir / "clusters" / "clusters.json"
    meta = json.loads(meta_path.read_text())
    base = {c["id"]: c for c in meta["clusters"] if c["level"] == 0}
    big = [c for c in base.values() if c["size"] >= k_min]
    ex = _examples(ingest_dir, {c["id"] for c in big}, examples)
    m = get_model(model) if isinstance(model, str) else model

    async def one(c: dict) -> tuple[int, str | None]:
        inside = "\n".join(f"- {t[:200]}" for t in ex.get(c["id"], []))
        outside = "\n".join(f"- {t[:200]}" for n in c["neighbours"] if n in ex for t in ex[n][:contrast])
        out = await m.generate(NAMING_PROMPT.format(inside=inside, outside=outside or "- (none)"),
                               config=GenerateConfig(temperature=0.0, max_tokens=32))
        found = _NAME.search(out.completion)
        return c["id"], found.group(1).strip()[:80] if found else None

    async def all_() -> list[tuple[int, str | None]]:
        return await asyncio.gather(*(one(c) for c in big))

    for cid, name in asyncio.run(all_()):
        if name:
            base[cid]["name"] = name
            base[cid]["named_by"] = str(m)
    meta["clusters"] = list(base.values()) + [c for c in meta["clusters"] if c["level"] != 0]
    atomic_write_text(meta_path, json.dumps(meta, indent=1))
    return meta_path
