"""Load a sample written by `stagewise logs sample` (JSONL: id, messages, cluster...)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import ChatMessage, ChatMessageAssistant, ChatMessageSystem, ChatMessageUser

from stagewise._atomic import read_utf8
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


SUPPRESSED = -1


def _cluster_metadata(rec: dict[str, Any], k_min: int) -> dict[str, Any]:
    """Cluster ids and names, with clusters of fewer than `k_min` conversations replaced by -1."""
    meta: dict[str, Any] = {}
    for level in ("cluster", "parent"):
        if level not in rec:
            continue
        if rec.get(f"{level}_size", k_min) >= k_min:
            meta[level], meta[f"{level}_name"] = rec[level], rec.get(f"{level}_name", "")
        else:  # too small to report: no breakdown can single these users out
            meta[level], meta[f"{level}_name"] = SUPPRESSED, f"(suppressed: fewer than {k_min} conversations)"
    if "cluster" not in rec and "cluster_name" in rec:
        meta["cluster_name"] = rec["cluster_name"]
    return meta


def record_to_sample(rec: dict[str, Any], turn: int, k_min: int = 25) -> Sample | None:
    """One sample, or None when the conversation has no user turn."""
    msgs = cut_at_turn(rec["messages"], turn)
    if not msgs:
        return None
    meta = _cluster_metadata(rec, k_min)
    meta["turns_replayed"] = sum(m["role"] == "user" for m in msgs)
    return Sample(id=str(rec["id"]), input=[_message(m) for m in msgs], metadata=meta)


def _resolve(data_path: str | None) -> Path:
    demo = Path(str(resources.files("stagewise.evals.user_logs") / DEMO_FILE))
    if data_path is None:
        return demo
    path = Path(data_path).expanduser()
    if path.is_file():
        return path
    if path.is_dir():
        files = sorted(path.glob("*.jsonl"))
        if len(files) == 1:
            return files[0]
        raise StudyError(f"user_logs: {path} holds {len(files)} .jsonl files; set data_path to the sample file "
                         "written by `stagewise logs sample`")
    if path.name == "user_logs":  # the runner's <data_dir>/<benchmark> convention, nothing there
        return demo
    raise StudyError(f"user_logs: data_path {path} does not exist; make a sample with `stagewise logs sample`")


def load_dataset(data_path: str | None, turn: int = 1, k_min: int = 25) -> MemoryDataset:
    """Samples from `data_path` (a sample JSONL or its folder), or the shipped demo prompts when None.

    Clusters with fewer than `k_min` conversations in the whole log get cluster id -1.
    """
    if turn < 1:
        raise StudyError(f"user_logs: turn must be >= 1 (1 = first user turn), got {turn}")
    if k_min < 1:
        raise StudyError(f"user_logs: k_min must be >= 1, got {k_min}")
    path = _resolve(data_path)
    samples = []
    for i, line in enumerate(read_utf8(path, "user-log sample file").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            messages = rec["messages"]
        except (json.JSONDecodeError, KeyError, TypeError):
            raise StudyError(f"user_logs: {path} line {i} is not a sample record (id, messages); "
                             "make the file with `stagewise logs sample`") from None
        if isinstance(messages, list) and (s := record_to_sample(rec, turn, k_min)) is not None:
            samples.append(s)
    return MemoryDataset(samples, name="user_logs", location=str(path))
