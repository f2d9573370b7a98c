"""Rebuild the shipped `refusal-model` weights (deterministic: same data, same weights).

    OMP_NUM_THREADS=1 python benchmarks/train_refusal_model.py --data ../shared/data/xstest \
        --out src/stagewise/judges/refusal_model_weights.json

Trains on every `completions_*_human_labels.csv` in --data (XSTest's human-labelled
completions of GPT-4, Llama-2 and Mistral-Instruct, CC-BY-4.0, paul-rottger/xstest). C and
the embedding scale are chosen by leave-one-model-out over those files (`refusal_model.tune`).
The honest, held-out figures are `stagewise judges validate`'s leave-one-model-out rows, which
retrain (and retune) without the model they test. Prints the chosen settings.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=Path, required=True, help="folder of XSTest completions_*_human_labels.csv")
    p.add_argument("--out", type=Path, required=True, help="where to write the weights JSON")
    args = p.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from stagewise.judges.refusal_model import train
    from stagewise.judges.validate import completion_files

    w = train(completion_files(args.data), args.out)
    print(f"trained on {', '.join(w.train_files)}: C={w.C} emb_scale={w.emb_scale}; wrote {args.out}")


if __name__ == "__main__":
    main()
