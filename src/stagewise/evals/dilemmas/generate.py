"""Turn Petri-style seed instructions into single-prompt dilemma scenarios through an `auditor` role.

Seeds are plain text: a file with one seed per paragraph (blank-line separated), or a folder
of `*.txt`/`*.md` files, one seed each. Each seed is sent once to the model bound to the
`auditor` role with `auditor_prompt.md`; its JSON answer becomes one JSONL scenario. Replies are
cached under `cache_root()/dilemmas/<auditor>/<seed sha256>.json`, so re-running (or resuming an
interrupted run) only asks for new seeds.

    python -m stagewise.evals.dilemmas.generate SEEDS --auditor openai/gpt-4o --out scenarios.jsonl
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import re
from pathlib import Path
from typing import Any

from inspect_ai.model import GenerateConfig, get_model

from stagewise._atomic import atomic_write_text, cache_root
from stagewise.evals.dilemmas.prompts import AUDITOR_PROMPT
from stagewise.evals.dilemmas.scorer import _json
from stagewise.judges.llm import render_rubric

AUDITOR_ROLE = "auditor"


def read_seeds(source: str | Path) -> list[str]:
    """Seeds from a text file (blank-line separated) or a folder of seed files."""
    path = Path(source)
    if path.is_dir():
        return [p.read_text().strip() for p in sorted(path.iterdir()) if p.suffix in (".txt", ".md") and p.read_text().strip()]
    if path.is_file():
        return [s.strip() for s in re.split(r"\n\s*\n", path.read_text()) if s.strip()]
    return [str(source).strip()]  # a seed given inline


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40]


def to_scenario(seed: str, reply: dict[str, Any]) -> dict[str, Any] | None:
    """A scenario row from the auditor's JSON, or None when a field is missing."""
    if not all(isinstance(reply.get(k), str) and reply[k].strip() for k in ("system", "user", "aligned", "misaligned")):
        return None
    digest = hashlib.sha256(seed.encode()).hexdigest()[:8]
    return {
        "id": f"{_slug(reply.get('category') or seed)}-{digest}",
        "category": reply.get("category") or "generated",
        "system": reply["system"],
        "messages": [{"role": "user", "content": reply["user"]}],
        "aligned": reply["aligned"],
        "misaligned": reply["misaligned"],
        "source": "generated",
        "seed": seed,
    }


async def generate_scenarios(seeds: list[str], out: Path | None = None) -> tuple[list[dict[str, Any]], list[str]]:
    """Ask the `auditor` role for one scenario per seed (cached); write JSONL to `out` when given.

    Returns:
        The scenarios, and the seeds whose reply could not be used (reported, not written).
    """
    model = get_model(role=AUDITOR_ROLE, required=True)
    cache = cache_root() / "dilemmas" / _slug(str(model))
    rows, failed = [], []
    for seed in seeds:
        key = cache / f"{hashlib.sha256(seed.encode()).hexdigest()}.json"
        if key.is_file():
            reply = json.loads(key.read_text())
        else:
            prompt = render_rubric(AUDITOR_PROMPT, {}, trusted={"seed": seed})
            output = await model.generate(prompt, config=GenerateConfig(temperature=0.0))
            reply = _json(output.completion) or {"raw": output.completion}
            atomic_write_text(key, json.dumps(reply))
        row = to_scenario(seed, reply)
        if row is None:
            failed.append(seed)
        else:
            rows.append(row)
    if out is not None:
        atomic_write_text(out, "".join(json.dumps(r) + "\n" for r in rows))
    return rows, failed


def main(argv: list[str] | None = None) -> int:
    """CLI: seeds -> scenarios JSONL through the given auditor model."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seeds", help="seed file (blank-line separated), folder of seed files, or one seed")
    parser.add_argument("--auditor", required=True, help="Inspect model for the auditor role, e.g. openai/gpt-4o")
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args(argv)
    from inspect_ai.model._model import init_model_roles

    init_model_roles({AUDITOR_ROLE: get_model(args.auditor)})
    rows, failed = asyncio.run(generate_scenarios(read_seeds(args.seeds), args.out))
    print(f"wrote {len(rows)} scenarios to {args.out}")
    for seed in failed:
        print(f"unusable auditor reply for seed: {seed[:80]}")
    return 0 if rows else 1


if __name__ == "__main__":
    raise SystemExit(main())
