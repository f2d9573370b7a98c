"""`stagewise train sft`: supervised fine-tuning on TRL's `SFTTrainer`, full or LoRA (merged),
assistant-only loss under a chat template with `{% generation %}` markers."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from stagewise.train import _run
from stagewise.train.config import TrainConfig, load_train_config


def main(config: TrainConfig | str | Path, overrides: Sequence[str] = (), callbacks: Sequence[Any] = ()) -> Path:
    """Train an SFT rung and return its checkpoint directory (reused if already finished).

    Args:
        config: a `TrainConfig` or the path of a YAML training config.
        overrides: `key.sub=value` strings applied on top of a YAML config.
        callbacks: extra `transformers.TrainerCallback`s (progress hooks, tests).
    """
    cfg = config if isinstance(config, TrainConfig) else load_train_config(config, "sft", list(overrides))
    if _run.is_finished(cfg.output_dir):
        _run.log(f"{cfg.output_dir} is already trained; reusing it (delete it to retrain)")
        return cfg.output_dir
    from datasets import Dataset
    from trl import SFTConfig, SFTTrainer

    from stagewise.checkpoints import end_of_turn_token

    assistant_only = bool(cfg.trl.get("assistant_only_loss", True))
    max_length = cfg.trl.get("max_length", SFTConfig.max_length)
    prep = _run.prepare(cfg, "sft", assistant_only_loss=assistant_only, max_length=max_length)
    defaults: dict[str, Any] = {"assistant_only_loss": True}
    eot = end_of_turn_token(prep.template)
    if eot is not None and eot in prep.tokenizer.get_vocab():
        defaults["eos_token"] = eot  # the model must learn to stop at the end of its turn
    args = _run.trl_args(cfg, SFTConfig, defaults)
    model = _run.load_model(prep, args)
    _run.log(f"SFT on {len(prep.rows)} rows from {prep.base_path} -> {cfg.output_dir}")
    trainer = SFTTrainer(
        model=model,
        args=args,
        train_dataset=Dataset.from_list([{"messages": r["messages"]} for r in prep.rows]),
        processing_class=prep.tokenizer,
        peft_config=_run.peft_config(cfg),
        callbacks=list(callbacks) or None,
    )
    _run.train(trainer, prep)
    return _run.finalize(trainer, prep)
