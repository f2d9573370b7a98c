"""Speed of the `refusal-model` judge: ms per item, and `judges validate` cold on 1,350 items.

    OMP_NUM_THREADS=2 python benchmarks/refusal_model.py --data ../shared/data/xstest

1. `classify` on every labelled response with an empty embedding cache (model loaded first):
   milliseconds per item (target <= 50).
2. `stagewise judges validate --judge refusal-model --data DATA` as a fresh process with an
   empty cache: wall seconds including Python start-up and the model load, leave-one-model-out
   (three trainings, each tuned inside its training folds) (target <= 60 s on 2 cores).
Last line: `RESULT refusal_model_ms_per_item=<ms> judges_validate_refusal_model_cold_seconds=<s>`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _per_item(data: Path) -> tuple[float, int]:
    import pandas as pd

    from stagewise.judges import classifier, refusal_model
    from stagewise.judges.validate import completion_files, load_human_labels

    df = pd.concat([load_human_labels(f) for f in completion_files(data)], ignore_index=True)
    with tempfile.TemporaryDirectory() as cache:
        os.environ["STAGEWISE_CACHE"] = cache
        classifier._model()
        refusal_model.load_weights()
        t0 = time.perf_counter()
        refusal_model.classify(list(df["response"]), list(df["prompt"]))
        return 1000 * (time.perf_counter() - t0) / len(df), len(df)


def _validate_cold(data: Path) -> float:
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "STAGEWISE_CACHE": cache}
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "stagewise.cli", "judges", "validate", "--judge", "refusal-model",
                        "--data", str(data), "--out", str(Path(cache) / "v.json")], check=True, env=env,
                       stdout=subprocess.DEVNULL)
        return time.perf_counter() - t0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=Path, required=True, help="folder of XSTest completions_*_human_labels.csv")
    args = p.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    ms, n = _per_item(args.data)
    print(f"classify {n} items, empty cache: {ms:.1f} ms/item")
    cold = _validate_cold(args.data)
    print(f"judges validate --judge refusal-model, fresh process, empty cache: {cold:.1f} s")
    print(f"RESULT refusal_model_ms_per_item={ms:.1f} judges_validate_refusal_model_cold_seconds={cold:.1f}")


if __name__ == "__main__":
    main()
