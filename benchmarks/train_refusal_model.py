"""Rebuild the shipped `refusal-model` weights (deterministic: same data and threads, same weights).

    OMP_NUM_THREADS=2 python benchmarks/train_refusal_model.py --data ../shared/data/xstest \
        --out-dir src/stagewise/judges

Trains on every `completions_*_human_labels.csv` in --data (XSTest's human-labelled
completions of GPT-4, Llama-2 and Mistral-Instruct, CC-BY-4.0, paul-rottger/xstest) and writes:

- `refusal_model_weights.json`: the logistic regression over structural features and the
  opening embedding; C and the embedding scale chosen by leave-one-model-out over the files
  (`refusal_model.tune`);
- `refusal_encoder_weights.safetensors`: the fine-tuned encoder (adapters + head) on all files;
- `refusal_encoder_folds/without-<file>.safetensors`: one encoder per leave-one-model-out fold,
  trained on every file but one. `judges validate` finds them by the SHA-256 of their training
  rows, so its leave-one-model-out rows do not fine-tune again (any other training set is
  fine-tuned on the spot and cached). `--skip-folds` leaves them out.

The honest, held-out figures are `stagewise judges validate`'s leave-one-model-out rows.
About 5 minutes per encoder on 2 idle cores (four encoders for three files).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=Path, required=True, help="folder of XSTest completions_*_human_labels.csv")
    p.add_argument("--out-dir", type=Path, required=True, help="where to write the weights (the package: "
                   "src/stagewise/judges)")
    p.add_argument("--skip-folds", action="store_true", help="only the weights trained on every file")
    p.add_argument("--skip-encoder", action="store_true", help="only the regression (seconds, not minutes)")
    args = p.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import pandas as pd

    from stagewise.errors import StagewiseError
    from stagewise.judges import refusal_encoder, refusal_model
    from stagewise.judges.labels import file_sha256, load_human_labels
    from stagewise.judges.validate import completion_files

    try:
        files = completion_files(args.data)
    except StagewiseError as e:
        sys.exit(f"error: {e}")
    args.out_dir.mkdir(parents=True, exist_ok=True)
    w = refusal_model.train(files, args.out_dir / refusal_model.WEIGHTS_FILE)
    print(f"regression: trained on {', '.join(w.train_files)}: C={w.C} emb_scale={w.emb_scale}")
    if args.skip_encoder:
        return
    rows = {f: load_human_labels(f) for f in files}

    def one(train: list[Path], out: Path) -> None:
        df = pd.concat([rows[f] for f in train], ignore_index=True)
        t0 = time.perf_counter()
        enc = refusal_encoder.fit(list(df["response"]), list(df["label"]), train_files=[f.name for f in train],
                                  train_sha256=[file_sha256(f) for f in train])
        refusal_encoder.save(enc, out)
        print(f"encoder: {len(df)} rows from {len(train)} files in {time.perf_counter() - t0:.0f} s -> {out}",
              flush=True)

    one(files, args.out_dir / refusal_encoder.SHIPPED_FILE)
    if args.skip_folds or len(files) < 2:
        return
    for held_out in files:
        one([f for f in files if f != held_out],
            args.out_dir / refusal_encoder.SHIPPED_FOLDS / f"without-{held_out.stem}.safetensors")


if __name__ == "__main__":
    main()
