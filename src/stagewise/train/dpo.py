"""`stagewise train dpo`: the preference rung on TRL's `DPOTrainer`, usually from the SFT rung.

With LoRA the reference model is the base with the adapter switched off (no second copy)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from stagewise.train import _run
from stagewise.train.config import TrainConfig, load_train_config


def main(config: TrainConfig | str | Path, overrides: Sequence[str] = (), callbacks: Sequence[Any] = ()) -> Path:
    """Train a DPO rung and return its checkpoint directory (reused if already finished).

    Args:
        config: a `TrainConfig` or the path of a YAML training config.
        overrides: `key.sub=value` strings applied on top of a YAML config.
        callbacks: extra `transformers.TrainerCallback`s (progress hooks, tests).
    """
    cfg = config if isinstance(config, TrainConfig) else load_train_config(config, "dpo", list(overrides))
    if _run.is_finished(cfg.output_dir):
        _run.log(f"{cfg.output_dir} is already trained; reusing it (delete it to retrain)")
        return cfg.output_dir
    from datasets import Dataset
    from trl import DPOConfig, DPOTrainer

    max_length = cfg.trl.get("max_length", DPOConfig.max_length)
    prep = _run.prepare(cfg, "preference", assistant_only_loss=False, max_length=max_length)
    args = _run.trl_args(cfg, DPOConfig, {})
    model = _run.load_model(prep, args)
    _run.log(f"DPO on {len(prep.rows)} pairs from {prep.base_path} -> {cfg.output_dir}")
    trainer = DPOTrainer(
        model=model,
        args=args,
        train_dataset=Dataset.from_list(
            [{"prompt": r["prompt"], "chosen": r["chosen"], "rejected": r["rejected"]} for r in prep.rows]
        ),
        processing_class=prep.tokenizer,
        peft_config=_run.peft_config(cfg),
        callbacks=list(callbacks) or None,
    )
    _run.train(trainer, prep)
    return _run.finalize(trainer, prep)
