"""Recognise the common chat-log shapes and normalise them to one `Conversation`.

Accepted shapes (one record = one conversation):

- OpenAI-style: ``{"messages": [{"role": "user", "content": "..."}, ...]}`` (content may be a
  list of ``{"type": "text", "text": ...}`` parts)
- WildChat: ``{"conversation_hash": ..., "conversation": [{"role", "content", ...}], ...}``
- LMSYS-Chat-1M: ``{"conversation_id": ..., "conversation": [{"role", "content"}], ...}``
- ShareGPT: ``{"id": ..., "conversations": [{"from": "human" | "gpt", "value": ...}]}``
- single prompt: ``{"prompt": "..."}`` (or ``"text"``), e.g. a CSV with a ``prompt`` column

In CSV files a ``messages`` / ``conversation`` / ``conversations`` column may hold the JSON list.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

from stagewise.errors import StagewiseError

Shape = Literal["openai", "wildchat", "lmsys", "sharegpt", "prompt"]

ACCEPTED_SHAPES = (
    'OpenAI {"messages": [{"role", "content"}]}; WildChat {"conversation_hash", "conversation": [...]}; '
    'LMSYS-Chat-1M {"conversation_id", "conversation": [...]}; ShareGPT {"conversations": [{"from", "value"}]}; '
    'single prompt {"prompt": "..."}'
)

_ROLE_ALIASES = {
    "user": "user", "human": "user", "prompter": "user",
    "assistant": "assistant", "gpt": "assistant", "bot": "assistant", "chatgpt": "assistant", "model": "assistant",
    "system": "system",
}
_META_KEYS = ("language", "model", "timestamp", "country", "state", "toxic", "redacted")


class SchemaError(StagewiseError):
    """No record of an input file has a recognisable chat-log shape."""


@dataclass
class Conversation:
    """One normalised conversation: ordered (role, text) turns, roles user/assistant/system."""

    id: str
    turns: list[tuple[str, str]]
    shape: Shape
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def prompt(self) -> str:
        """The first user turn ('' when there is none)."""
        return next((text for role, text in self.turns if role == "user"), "")


class UnknownShape(ValueError):
    """A single record has no recognisable shape (counted and skipped)."""


def detect_shape(rec: dict[str, Any]) -> Shape:
    """Name the shape of one record, or raise `UnknownShape`."""
    if "messages" in rec:
        return "openai"
    if "conversation" in rec:
        return "wildchat" if "conversation_hash" in rec else "lmsys"
    if "conversations" in rec:
        return "sharegpt"
    if "prompt" in rec or "text" in rec:
        return "prompt"
    raise UnknownShape(f"keys {sorted(rec)[:8]}")


def _text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # OpenAI content parts
        return "\n".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)
    if isinstance(content, dict):
        return str(content.get("text", ""))
    return str(content)


def _turns(items: Any, role_key: str, text_key: str) -> list[tuple[str, str]]:
    if isinstance(items, str):  # a JSON list stored in a CSV cell
        items = json.loads(items)
    if hasattr(items, "tolist"):  # numpy arrays from Parquet
        items = items.tolist()
    if not isinstance(items, list):
        raise UnknownShape(f"turns are {type(items).__name__}, not a list")
    turns = []
    for m in items:
        if not isinstance(m, dict):
            raise UnknownShape("a turn is not a mapping")
        role = _ROLE_ALIASES.get(str(m.get(role_key, "")).lower())
        if role is None:
            continue  # tool/function turns are not replayed
        turns.append((role, _text(m.get(text_key))))
    return turns


def normalise(rec: dict[str, Any], fallback_id: str) -> Conversation:
    """Turn one raw record into a `Conversation`; raises `UnknownShape`."""
    shape = detect_shape(rec)
    if shape == "openai":
        turns = _turns(rec["messages"], "role", "content")
    elif shape in ("wildchat", "lmsys"):
        turns = _turns(rec["conversation"], "role", "content")
    elif shape == "sharegpt":
        turns = _turns(rec["conversations"], "from", "value")
    else:
        turns = [("user", _text(rec.get("prompt", rec.get("text"))))]
    cid = next((rec[k] for k in ("id", "conversation_id", "conversation_hash") if rec.get(k) not in (None, "")), None)
    meta = {k: rec[k] for k in _META_KEYS if k in rec and isinstance(rec[k], (str, int, float, bool))}
    return Conversation(id=str(cid) if cid is not None else fallback_id, turns=turns, shape=shape, meta=meta)
