"""Training throughput of `stagewise train sft` vs a plain TRL `SFTTrainer` script, in one run.

Same model (packaged SmolLM2-135M, LoRA, bf16 where supported), same rows, same SFTConfig values.
Runs plain, stagewise, plain, stagewise and keeps each side's best tokens/s (the machine is
shared; the best run is the least disturbed). Tokens are the trainer's own `num_tokens`.

    OMP_WAIT_POLICY=PASSIVE python benchmarks/sft.py [--steps 8] [--rounds 2]

Last line: `RESULT sft_tokens_per_s_ratio=<stagewise / plain>`.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

LORA = {"r": 16, "alpha": 32, "target_modules": "all-linear"}


def trl_values(steps: int) -> dict[str, Any]:
    return {"max_steps": steps, "per_device_train_batch_size": 4, "learning_rate": 2e-4, "max_length": 128,
            "logging_steps": 1, "save_steps": 1000, "activation_checkpointing": False, "seed": 0,
            "disable_tqdm": True}


def run_stagewise(base: Path, data: Path, out: Path, steps: int) -> float:
    from stagewise.train import read_manifest
    from stagewise.train.config import config_from_dict
    from stagewise.train.sft import main

    cfg = config_from_dict({"stage": "sft", "base": f"hf:{base}", "chat_template": "chatml", "output_dir": str(out),
                            "lora": LORA, "mixture": {"sources": [{"path": str(data)}]}, "trl": trl_values(steps)})
    train = read_manifest(main(cfg))["train"]
    return float(train["num_tokens"]) / float(train["train_runtime_s"])


def run_plain(base: Path, data: Path, out: Path, steps: int) -> float:
    """What a researcher would write by hand with TRL, with the same settings."""
    import torch
    from datasets import load_dataset
    from peft import LoraConfig
    from transformers import AutoModelForCausalLM, AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    from stagewise.checkpoints import load_chat_template
    from stagewise.train._run import bf16_supported

    tok = AutoTokenizer.from_pretrained(str(base))
    tok.chat_template = load_chat_template("chatml")
    bf16 = bf16_supported()
    model = AutoModelForCausalLM.from_pretrained(str(base), dtype=torch.bfloat16 if bf16 else torch.float32)
    args = SFTConfig(output_dir=str(out), use_cpu=not torch.cuda.is_available(), bf16=bf16, report_to="none",
                     assistant_only_loss=True, eos_token="<|im_end|>", save_total_limit=2, **trl_values(steps))
    trainer = SFTTrainer(model=model, args=args, processing_class=tok,
                         train_dataset=load_dataset("json", data_files=str(data), split="train"),
                         peft_config=LoraConfig(r=LORA["r"], lora_alpha=LORA["alpha"],
                                                target_modules=LORA["target_modules"], task_type="CAUSAL_LM"))
    result = trainer.train()
    tokens = next(h["num_tokens"] for h in reversed(trainer.state.log_history) if "num_tokens" in h)
    return float(tokens) / float(result.metrics["train_runtime"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    from stagewise.checkpoints import materialize
    from stagewise.evaluate.study import PackagedSource
    from stagewise.train import Mixture, build_mixture

    base = materialize(PackagedSource(name="smollm2-135m-instruct"))
    work = Path(tempfile.mkdtemp(prefix="sft-bench-"))
    rows = build_mixture(Mixture(sources=[{"path": "bundled:sft_helpful.jsonl"},
                                          {"path": "bundled:sft_refusals.jsonl", "safety": True}], seed=0), "sft").rows
    data = work / "rows.jsonl"
    data.write_text("".join(json.dumps({"messages": r["messages"]}) + "\n" for r in rows))
    speeds: dict[str, list[float]] = {"plain": [], "stagewise": []}
    try:
        for i in range(args.rounds):
            for side, fn in (("plain", run_plain), ("stagewise", run_stagewise)):
                t = time.time()
                speeds[side].append(fn(base, data, work / f"{side}-{i}", args.steps))
                print(f"round {i} {side}: {speeds[side][-1]:.1f} training tokens/s ({time.time() - t:.0f} s total)",
                      flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    best = {k: max(v) for k, v in speeds.items()}
    print(f"best: stagewise {best['stagewise']:.1f} tok/s, plain SFTTrainer {best['plain']:.1f} tok/s")
    print(f"RESULT sft_tokens_per_s_ratio={best['stagewise'] / best['plain']:.3f}")


if __name__ == "__main__":
    main()
