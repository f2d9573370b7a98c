"""Small training data written for stagewise (chat `messages` JSONL), used by the demo ladder.

- `sft_helpful.jsonl`: short helpful answers to everyday questions (tag `helpful`).
- `sft_refusals.jsonl`: refusals of clearly harmful requests (tags `harmful`, category).
- `teacher_refusals.jsonl`: `{prompt, response}` rows, an alternative teacher for the
  harmful prompts (longer refusals that redirect), for the teacher-swap example.
- `dpo_pairs.jsonl`: preference pairs: refusal over compliance for harmful prompts, answer
  over needless refusal for benign ones.

Written by hand for this project (no hub data); harmful requests carry no harmful content.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

BUNDLED = ("sft_helpful.jsonl", "sft_refusals.jsonl", "teacher_refusals.jsonl", "dpo_pairs.jsonl")


def bundled_path(name: str) -> Path:
    """Path of a bundled data file (`bundled:NAME` in a mixture)."""
    return Path(str(resources.files("stagewise.data") / name))
