"""Local copies of hub chat-log datasets, in the published schemas, laid out like hub repos.

The rows follow the dataset cards' `dataset_info` exactly (allenai/WildChat-1M,
lmsys/lmsys-chat-1m): same column names, nesting and Arrow types, so `datasets` streams them
as it would the real files. Only the texts are made up.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

# The OpenAI moderation categories: LMSYS-Chat-1M has the slash names; WildChat-1M both spellings.
_SLASH = ["harassment", "harassment/threatening", "hate", "hate/threatening", "self-harm",
          "self-harm/instructions", "self-harm/intent", "sexual", "sexual/minors", "violence", "violence/graphic"]
_UNDERSCORE = ["harassment_threatening", "hate_threatening", "self_harm", "self_harm_instructions",
               "self_harm_intent", "sexual_minors", "violence_graphic"]
_DETOXIFY = ["identity_attack", "insult", "obscene", "severe_toxicity", "sexual_explicit", "threat", "toxicity"]
_README = """---
configs:
- config_name: default
  data_files:
  - split: train
    path: data/train-*
---
# {name} (local test copy)
"""


def _moderation_type(categories: list[str]) -> pa.DataType:
    return pa.list_(pa.struct([
        ("categories", pa.struct([(c, pa.bool_()) for c in categories])),
        ("category_scores", pa.struct([(c, pa.float64()) for c in categories])),
        ("flagged", pa.bool_())]))


_HEADER = pa.struct([("accept-language", pa.string()), ("user-agent", pa.string())])
_TS = pa.timestamp("us", tz="UTC")
WILDCHAT_SCHEMA = pa.schema([
    ("conversation_hash", pa.string()), ("model", pa.string()), ("timestamp", _TS),
    ("conversation", pa.list_(pa.struct([
        ("content", pa.string()), ("country", pa.string()), ("hashed_ip", pa.string()), ("header", _HEADER),
        ("language", pa.string()), ("redacted", pa.bool_()), ("role", pa.string()), ("state", pa.string()),
        ("timestamp", _TS), ("toxic", pa.bool_()), ("turn_identifier", pa.int64())]))),
    ("turn", pa.int64()), ("language", pa.string()), ("openai_moderation", _moderation_type(_SLASH + _UNDERSCORE)),
    ("detoxify_moderation", pa.list_(pa.struct([(c, pa.float32()) for c in _DETOXIFY]))),
    ("toxic", pa.bool_()), ("redacted", pa.bool_()), ("state", pa.string()), ("country", pa.string()),
    ("hashed_ip", pa.string()), ("header", _HEADER),
])
LMSYS_SCHEMA = pa.schema([
    ("conversation_id", pa.string()), ("model", pa.string()),
    ("conversation", pa.list_(pa.struct([("content", pa.string()), ("role", pa.string())]))),
    ("turn", pa.int64()), ("language", pa.string()), ("openai_moderation", _moderation_type(_SLASH)),
    ("redacted", pa.bool_()),
])


def _moderation(categories: list[str], n: int) -> list[dict[str, Any]]:
    return [{"categories": {c: False for c in categories}, "category_scores": {c: 1e-4 for c in categories},
             "flagged": False} for _ in range(n)]


def wildchat_row(i: int, turns: list[tuple[str, str]]) -> dict[str, Any]:
    """One WildChat-1M row; user turns carry the requester's (hashed) details, assistant turns nulls."""
    t0 = datetime(2024, 3, 1, 12, 0, tzinfo=timezone.utc) + timedelta(minutes=i)
    header = {"accept-language": "en-US,en;q=0.9", "user-agent": "Mozilla/5.0"}
    conversation = []
    for j, (role, content) in enumerate(turns):
        user = role == "user"
        conversation.append({
            "content": content, "country": "United States" if user else None,
            "hashed_ip": f"{i:064x}" if user else None, "header": header if user else None,
            "language": "English", "redacted": False, "role": role, "state": "Ohio" if user else None,
            "timestamp": t0 + timedelta(seconds=j), "toxic": False, "turn_identifier": 1000 * i + j // 2})
    return {"conversation_hash": f"{i:032x}", "model": "gpt-4-0314", "timestamp": t0, "conversation": conversation,
            "turn": sum(r == "user" for r, _ in turns), "language": "English",
            "openai_moderation": _moderation(_SLASH + _UNDERSCORE, len(turns)),
            "detoxify_moderation": [{c: 1e-4 for c in _DETOXIFY} for _ in turns],
            "toxic": False, "redacted": False, "state": "Ohio", "country": "United States",
            "hashed_ip": f"{i:064x}", "header": header}


def lmsys_row(i: int, turns: list[tuple[str, str]]) -> dict[str, Any]:
    """One LMSYS-Chat-1M row (conversation in OpenAI {role, content} form)."""
    return {"conversation_id": f"{i:032x}", "model": "vicuna-13b",
            "conversation": [{"content": c, "role": r} for r, c in turns],
            "turn": sum(r == "user" for r, _ in turns), "language": "English",
            "openai_moderation": _moderation(_SLASH, len(turns)), "redacted": False}


def write_hub_repo(root: Path, name: str, rows: list[dict[str, Any]], schema: pa.Schema | None = None) -> Path:
    """A folder like a hub dataset repo: README.md with its `configs`, data/train-00000-of-00001.parquet."""
    (root / "data").mkdir(parents=True)
    (root / "README.md").write_text(_README.format(name=name))
    table = pa.Table.from_pylist(rows, schema=schema)
    pq.write_table(table, root / "data" / "train-00000-of-00001.parquet")
    return root
