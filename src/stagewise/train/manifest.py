"""`stagewise-train.json`, written beside every trained checkpoint: the resolved config, the data
manifest, the base checkpoint's content hash, the code version and a training summary."""

from __future__ import annotations

import functools
import json
import subprocess
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

MANIFEST = "stagewise-train.json"


def code_version() -> dict[str, Any]:
    """stagewise's version, its git commit (when run from a checkout) and the library versions."""
    import peft
    import torch
    import transformers
    import trl

    from stagewise import __version__

    return {"stagewise": __version__, **_git(), "trl": trl.__version__, "transformers": transformers.__version__,
            "peft": peft.__version__, "torch": torch.__version__}


@functools.cache
def _git() -> dict[str, Any]:
    here = Path(__file__).resolve().parent

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", "-C", str(here), *args], capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if commit is None:
        return {"git_commit": None}
    return {"git_commit": commit, "git_dirty": bool(git("status", "--porcelain", "--untracked-files=no"))}


def train_summary(log_history: list[dict[str, Any]], global_step: int) -> dict[str, Any]:
    """First and last logged loss, steps and runtime, from the trainer's log history."""
    losses = [h["loss"] for h in log_history if "loss" in h]
    end: dict[str, Any] = next((h for h in reversed(log_history) if "train_runtime" in h), {})
    tokens = next((h["num_tokens"] for h in reversed(log_history) if "num_tokens" in h), None)
    return {
        "global_step": global_step,
        "first_loss": losses[0] if losses else None,
        "last_loss": losses[-1] if losses else None,
        "train_runtime_s": end.get("train_runtime"),
        "train_loss": end.get("train_loss"),
        "num_tokens": tokens,
    }


def build_manifest(*, stage: str, config: dict[str, Any], trl_args: dict[str, Any], data: dict[str, Any],
                   base: dict[str, Any], summary: dict[str, Any]) -> dict[str, Any]:
    """Everything needed to say what this checkpoint is and to rebuild it."""
    return {
        "format": 1,
        "stage": stage,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "config": config,
        "trl_args": trl_args,
        "base": base,
        "data": data,
        "code": code_version(),
        "train": summary,
    }


def read_manifest(checkpoint: str | Path) -> dict[str, Any]:
    """Read the `stagewise-train.json` of a trained checkpoint."""
    return dict(json.loads((Path(checkpoint) / MANIFEST).read_text()))
