"""DPO on the tiny offline model with LoRA (merged into a standalone checkpoint)."""

from __future__ import annotations

from pathlib import Path

import pytest

from stagewise.train import TrainError, read_manifest
from stagewise.train.config import config_from_dict
from stagewise.train.dpo import main as dpo_main
from tests.train.conftest import max_weight_change


def _dpo_config(base: Path, out: Path, **extra: object) -> dict:
    return {
        "stage": "dpo",
        "base": f"hf:{base}",
        "chat_template": "chatml",
        "output_dir": str(out),
        "lora": {"r": 4, "alpha": 8, "target_modules": "all-linear"},
        "mixture": {"seed": 0, "sources": [{"path": "bundled:dpo_pairs.jsonl", "count": 8}]},
        "trl": {"max_steps": 2, "per_device_train_batch_size": 4, "learning_rate": 5e-2, "max_length": 96,
                "logging_steps": 1, "save_steps": 10, "activation_checkpointing": False, "bf16": False,
                "disable_tqdm": True},
        **extra,
    }


def test_dpo_with_lora_trains_and_merges(tiny_base: Path, tmp_path: Path) -> None:
    out = dpo_main(config_from_dict(_dpo_config(tiny_base, tmp_path / "dpo")))
    manifest = read_manifest(out)
    assert manifest["stage"] == "dpo" and manifest["data"]["kind"] == "preference"
    assert manifest["train"]["global_step"] == 2 and manifest["trl_args"]["beta"] == 0.1
    assert not list(out.glob("adapter*")), "LoRA is merged: the rung is a plain checkpoint"
    assert max_weight_change(tiny_base, out) > 1e-5


def test_teacher_swap_is_rejected_for_dpo(tiny_base: Path, tmp_path: Path) -> None:
    cfg = _dpo_config(tiny_base, tmp_path / "dpo")
    cfg["mixture"]["teacher_swap"] = {"select": {"tag": "harmful"}, "responses": "bundled:teacher_refusals.jsonl"}
    with pytest.raises(TrainError, match="teacher_swap applies to SFT"):
        dpo_main(config_from_dict(cfg))
