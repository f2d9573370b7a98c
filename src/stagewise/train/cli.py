"""`stagewise train sft|dpo CONFIG.yaml [key.sub=value ...]`: parse, then call the stage's `main`."""

from __future__ import annotations

import argparse
import importlib


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the `sft` and `dpo` sub-commands."""
    sub = parser.add_subparsers(dest="stage", required=True, metavar="{sft,dpo}")
    for stage, text in (("sft", "supervised fine-tuning on TRL's SFTTrainer (full or LoRA, merged)"),
                        ("dpo", "preference rung on TRL's DPOTrainer, usually from the SFT rung")):
        p = sub.add_parser(stage, help=text, description=text)
        p.add_argument("config", help="training YAML (see configs/train/)")
        p.add_argument("overrides", nargs="*", metavar="key.sub=value",
                       help="override config values, e.g. trl.max_steps=20 lora=null output_dir=runs/x")


def run(args: argparse.Namespace) -> int:
    """Train the rung; prints the checkpoint directory (rerunning resumes or reuses it)."""
    from stagewise._extras import require

    require("train", f"stagewise train {args.stage}")
    stage = importlib.import_module(f"stagewise.train.{args.stage}")
    out = stage.main(args.config, overrides=args.overrides)
    print(out)
    return 0
