"""Real packaged models: a LoRA step, and the trained rung through the runner."""

from __future__ import annotations

from pathlib import Path

import pytest

from stagewise.train import read_manifest
from stagewise.train.config import config_from_dict
from stagewise.train.sft import main as sft_main
from tests.train.conftest import max_weight_change, tiny_sft_config


def test_lora_steps_on_packaged_smollm2_change_the_merged_weights(tmp_path: Path) -> None:
    from stagewise.checkpoints import materialize
    from stagewise.evaluate.study import PackagedSource

    base = materialize(PackagedSource(name="smollm2-135m-instruct"))
    cfg = {
        "stage": "sft", "base": "packaged:smollm2-135m-instruct", "chat_template": "chatml",
        "output_dir": str(tmp_path / "lora"), "lora": {"r": 8, "alpha": 16, "target_modules": "all-linear"},
        "mixture": {"sources": [{"path": "bundled:sft_refusals.jsonl", "count": 4}]},
        "trl": {"max_steps": 2, "per_device_train_batch_size": 2, "learning_rate": 1e-3, "max_length": 96,
                "logging_steps": 1, "activation_checkpointing": False, "disable_tqdm": True},
    }
    out = sft_main(config_from_dict(cfg))
    train = read_manifest(out)["train"]
    assert train["first_loss"] != train["last_loss"]
    assert max_weight_change(base, out) > 1e-5


def test_a_trained_rung_runs_through_the_battery(tiny_base: Path, tmp_path: Path, shared_data: Path) -> None:
    from stagewise.evaluate.results import collect
    from stagewise.evaluate.runner import run_study
    from stagewise.evaluate.study import study_from_dict

    rung = sft_main(config_from_dict(tiny_sft_config(tiny_base, tmp_path / "sft")))
    study = study_from_dict({
        "name": "trained", "output_dir": str(tmp_path / "study"), "limit": 2,
        "ladder": [{"name": "tiny-sft", "stage": "sft", "source": f"hf:{rung}"}],
        "benchmarks": {"xstest": {"data_path": str(shared_data / "xstest" / "xstest_prompts.csv")}},
        "generation": {"max_tokens": 8},
    })
    df = collect(run_study(study, display="none"))
    assert set(df["rung"]) == {"tiny-sft"} and len(df) > 0
