"""Turn Petri seed instructions into single-prompt dilemma scenarios through an `auditor` role.

Seeds are read in Petri's format (`petri.read_petri_seeds`: a folder of `.md` files with front
matter, or the installed inspect_petri's when no folder is given) and filtered to the
alignment dilemmas (`petri.DILEMMA_TAGS`; `--all` keeps every seed). A plain-text file of
blank-line separated seeds is still accepted (ids `seed-<n>`, no tags). Each seed is sent once
to the model bound to the `auditor` role with `auditor_prompt.md`; its JSON answer becomes one
scenario, kept only if it passes `check.problems` (a decision point, no test talk). Replies
are cached under `cache_root()/dilemmas/<auditor>/<seed id>-<sha256>.json`, so a rerun (or an
interrupted run) only asks for new seeds.

    python -m stagewise.evals.dilemmas.generate [SEEDS] --auditor openai/gpt-4o --out scenarios.jsonl
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
from stagewise.errors import StagewiseError
from stagewise.evals.dilemmas.check import problems
from stagewise.evals.dilemmas.petri import Seed, dilemma_seeds, read_petri_seeds
from stagewise.evals.dilemmas.prompts import AUDITOR_PROMPT
from stagewise.evals.dilemmas.scorer import _json
from stagewise.judges.llm import render_rubric

AUDITOR_ROLE = "auditor"


def read_seeds(source: str | Path | None = None) -> list[Seed]:
    """Petri seeds from a folder or `.md` file (None: inspect_petri's), or plain text seeds."""
    if source is None:
        return read_petri_seeds(None)
    path = Path(source)
    if path.is_dir() or (path.is_file() and path.read_text(errors="replace").lstrip().startswith("---")):
        return read_petri_seeds(path)
    if not path.is_file():
        raise StagewiseError(f"seed source {path} not found: pass a folder of Petri seed files or a text file")
    texts = [s.strip() for s in re.split(r"\n\s*\n", path.read_text()) if s.strip()]
    return [Seed(id=f"seed-{n}", tags=(), instruction=t) for n, t in enumerate(texts, 1)]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]


def to_scenario(seed: Seed, reply: dict[str, Any]) -> dict[str, Any] | None:
    """A scenario row from the auditor's JSON, or None when a field is missing."""
    if not all(isinstance(reply.get(k), str) and reply[k].strip() for k in ("system", "user", "aligned", "misaligned")):
        return None
    return {
        "id": seed.id,
        "category": (seed.tags[0] if seed.tags else None) or reply.get("category") or "generated",
        "system": reply["system"],
        "messages": [{"role": "user", "content": reply["user"]}],
        "aligned": reply["aligned"],
        "misaligned": reply["misaligned"],
        "source": "generated",
        "seed_id": seed.id,
        "tags": list(seed.tags),
    }


async def generate_scenarios(seeds: list[Seed], out: Path | None = None) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """Ask the `auditor` role for one scenario per seed (cached); write JSONL to `out` when given.

    Returns:
        The accepted scenarios, and (seed id, reason) for each rejected one (not written).
    """
    model = get_model(role=AUDITOR_ROLE, required=True)
    cache = cache_root() / "dilemmas" / _slug(str(model))
    rows, rejected = [], []
    for seed in seeds:
        key = cache / f"{_slug(seed.id)}-{hashlib.sha256(seed.instruction.encode()).hexdigest()[:16]}.json"
        if key.is_file():
            reply = json.loads(key.read_text())
        else:
            prompt = render_rubric(AUDITOR_PROMPT, {}, trusted={"seed": seed.instruction, "seed_id": seed.id,
                                                                 "tags": ", ".join(seed.tags) or "none"})
            output = await model.generate(prompt, config=GenerateConfig(temperature=0.0))
            reply = _json(output.completion) or {"raw": output.completion}
            atomic_write_text(key, json.dumps(reply))
        row = to_scenario(seed, reply)
        reasons = ["the reply is not JSON with system, user, aligned, misaligned"] if row is None else problems(row)
        if reasons:
            rejected.append((seed.id, "; ".join(reasons)))
        else:
            rows.append(row)
    if out is not None:
        atomic_write_text(out, "".join(json.dumps(r) + "\n" for r in rows))
    return rows, rejected


def main(argv: list[str] | None = None) -> int:
    """CLI: Petri seeds -> scenarios JSONL through the given auditor model."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seeds", nargs="?", help="folder of Petri seed files (default: inspect_petri's), or a text file")
    parser.add_argument("--auditor", required=True, help="Inspect model for the auditor role, e.g. openai/gpt-4o")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--all", action="store_true", help="every seed, not only the alignment-dilemma tags")
    args = parser.parse_args(argv)
    from inspect_ai.model._model import init_model_roles

    try:
        seeds = read_seeds(args.seeds)
    except StagewiseError as err:
        print(f"error: {err}")
        return 2
    if not args.all and any(s.tags for s in seeds):
        seeds = dilemma_seeds(seeds)
    init_model_roles({AUDITOR_ROLE: get_model(args.auditor)})
    rows, rejected = asyncio.run(generate_scenarios(seeds, args.out))
    print(f"wrote {len(rows)} of {len(seeds)} scenarios to {args.out}")
    for seed_id, reason in rejected:
        print(f"rejected {seed_id}: {reason}")
    return 0 if rows else 1


if __name__ == "__main__":
    raise SystemExit(main())
