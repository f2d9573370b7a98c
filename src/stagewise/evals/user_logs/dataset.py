"""Load a sample written by `stagewise logs sample` (JSONL: id, messages, cluster...)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import ChatMessage, ChatMessageAssistant, ChatMessageSystem, ChatMessageUser

from stagewise.errors import StudyError

DEMO_FILE = "demo_prompts.jsonl"


def cut_at_turn(messages: list[dict[str, str]], turn: int) -> list[dict[str, str]]:
    """Messages up to and including the `turn`-th user message (1 = the first user turn).

    A conversation with fewer user turns is cut at its last user turn; trailing assistant
    turns are dropped (the replayed model writes the next reply).
    """
    out, users = [], 0
    for m in messages:
        if m["role"] == "user":
            users += 1
            if users > turn:
                break
        out.append(m)
    while out and out[-1]["role"] != "user":
        out.pop()
    return out


def _message(m: dict[str, str]) -> ChatMessage:
    cls = {"user": ChatMessageUser, "assistant": ChatMessageAssistant, "system": ChatMessageSystem}[m["role"]]
    return cls(content=m["content"])


def record_to_sample(rec: dict[str, Any], turn: int) -> Sample | None:
    """One sample, or None when the conversation has no user turn."""
    msgs = cut_at_turn(rec["messages"], turn)
    if not msgs:
        return None
    meta = {k: rec[k] for k in ("cluster", "cluster_name", "parent", "parent_name") if k in rec}
    meta["turns_replayed"] = sum(m["role"] == "user" for m in msgs)
    return Sample(id=str(rec["id"]), input=[_message(m) for m in msgs], metadata=meta)


def load_dataset(data_path: str | None, turn: int = 1) -> MemoryDataset:
    """Samples from `data_path` (a sample JSONL), or the small synthetic demo sample when None."""
    if turn < 1:
        raise StudyError(f"user_logs: turn must be >= 1 (1 = first user turn), got {turn}")
    if data_path is None:
        path = Path(str(resources.files("stagewise.evals.user_logs") / DEMO_FILE))
    else:
        path = Path(data_path).expanduser()
        if not path.is_file():
            raise StudyError(f"user_logs: data_path {path} is not a file; make one with `stagewise logs sample`")
    samples = []
    for i, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            messages = rec["messages"]
        except (json.JSONDecodeError, KeyError, TypeError):
            raise StudyError(f"user_logs: {path} line {i} is not a sample record (id, messages); "
                             "make the file with `stagewise logs sample`") from None
        if isinstance(messages, list) and (s := record_to_sample(rec, turn)) is not None:
            samples.append(s)
    return MemoryDataset(samples, name="user_logs", location=str(path))
