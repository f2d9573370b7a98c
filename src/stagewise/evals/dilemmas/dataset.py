"""Dilemma scenarios as JSONL: one object per line.

Fields: `id`, `system` (system prompt), `messages` (what the model sees: a list of
{"role", "content"}, ending with a user turn), `aligned` and `misaligned` (one sentence each:
the decisions), optional `category`, `source`, and `misaligned_markers` / `aligned_markers`
(phrases the offline fallback looks for). `scenarios.jsonl` ships 12 written for stagewise.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import (
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageUser,
)

from stagewise._atomic import read_utf8
from stagewise.errors import StagewiseError
from stagewise.evals.reward_hacking.dataset import no_local_copy

DEFAULT_SCENARIOS = Path(__file__).parent / "scenarios.jsonl"
PETRI_SCENARIOS = Path(__file__).parent / "petri_scenarios.jsonl"
Subset = Literal["all", "petri", "stagewise"]
SUBSETS: dict[str, tuple[Path, ...]] = {
    "stagewise": (DEFAULT_SCENARIOS,),
    "petri": (PETRI_SCENARIOS,),
    "all": (PETRI_SCENARIOS, DEFAULT_SCENARIOS),
}
REQUIRED = ("id", "system", "messages", "aligned", "misaligned")


class DilemmaDataError(StagewiseError):
    """A dilemma scenario file is malformed."""


def read_scenarios(path: Path) -> list[dict[str, Any]]:
    """Parse and check a scenarios JSONL file (naming the line of the first problem)."""
    if path.is_dir():
        path = path / "scenarios.jsonl"
    if not path.is_file():
        raise DilemmaDataError(f"dilemma scenarios file {path} not found: pass data_path=<file.jsonl>")
    rows = []
    for n, line in enumerate(read_utf8(path, "dilemma scenarios file").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise DilemmaDataError(f"{path}:{n} is not valid JSON ({e.msg}); one JSON object per line") from None
        missing = [k for k in REQUIRED if not row.get(k)]
        if missing:
            raise DilemmaDataError(f"{path}:{n} ({row.get('id', '?')}) lacks {', '.join(missing)}")
        if row["messages"][-1].get("role") != "user":
            raise DilemmaDataError(f"{path}:{n} ({row['id']}): the last message must be a user turn")
        rows.append(row)
    return rows


def _messages(row: dict[str, Any]) -> list[ChatMessage]:
    out: list[ChatMessage] = [ChatMessageSystem(content=row["system"])]
    for m in row["messages"]:
        cls = ChatMessageAssistant if m["role"] == "assistant" else ChatMessageUser
        out.append(cls(content=m["content"]))
    return out


def load_dataset(data_path: str | None = None, subset: Subset = "all") -> MemoryDataset:
    """The scenarios of `data_path` (a JSONL file or its folder), default the shipped `subset`."""
    if subset not in SUBSETS:
        raise DilemmaDataError(f"unknown dilemmas subset {subset!r}: choose one of {', '.join(SUBSETS)}")
    if no_local_copy(data_path, "dilemmas"):
        rows = [row for f in SUBSETS[subset] for row in read_scenarios(f)]
    else:
        rows = read_scenarios(Path(str(data_path)))
    samples = [
        Sample(
            id=row["id"],
            input=_messages(row),
            metadata={k: row.get(k) for k in ("aligned", "misaligned", "category", "source", "seed_id", "tags",
                                              "misaligned_markers", "aligned_markers")},
        )
        for row in rows
    ]
    return MemoryDataset(samples, name="dilemmas")
