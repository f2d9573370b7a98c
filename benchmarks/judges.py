"""Judge validation speed, and the cross-validation that picked the classifier's settings.

    OMP_NUM_THREADS=1 python benchmarks/judges.py --data ../shared/data/xstest          # timing
    OMP_NUM_THREADS=1 python benchmarks/judges.py --data ../shared/data/xstest --cv     # + 5-fold CV grid

Timing: `validate(["string-match", "classifier"])` on every labelled file in --data (1,350 items
for three models; the classifier leave-one-model-out, so it is trained once per model) with an
empty embedding cache (the model embeds every text) and again with the cache warm. The CV grid
fits on the training file only (llama2new), so the held-out file plays no part in the choice.
Last line: `RESULT judges_validate_cold_seconds=<s> judges_validate_warm_seconds=<s>`.
"""

from __future__ import annotations

import argparse
import itertools
import os
import tempfile
import time
from pathlib import Path


def _timing(data: Path) -> tuple[float, float]:
    from stagewise.judges import classifier
    from stagewise.judges.validate import validate

    with tempfile.TemporaryDirectory() as cache:
        os.environ["STAGEWISE_CACHE"] = cache
        classifier._model()  # load the model first: the cold figure is embedding, not import
        t0 = time.perf_counter()
        validate(["string-match", "classifier"], data)
        cold = time.perf_counter() - t0
        t0 = time.perf_counter()
        validate(["string-match", "classifier"], data)
        warm = time.perf_counter() - t0
    return cold, warm


def _cv(data: Path) -> None:
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, cohen_kappa_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    from stagewise.judges import classifier
    from stagewise.judges.refusal import string_match_refusal
    from stagewise.judges.validate import load_human_labels

    df = load_human_labels(data / "completions_llama2new_human_labels.csv")
    y = np.asarray(df["label"])
    x = classifier.features(list(df["response"]))
    sm = [string_match_refusal(r) for r in df["response"]]
    print(f"string-match on llama2new: accuracy {accuracy_score(y, sm):.3f}, kappa {cohen_kappa_score(y, sm):.3f}")
    print("5-fold CV on llama2new (shuffled, seed 0):")
    for c, s in itertools.product((0.3, 1.0, 3.0), (0.1, 0.3, 1.0)):
        xs = x.copy()
        xs[:, -2:] *= s / classifier.SM_SCALE
        p = cross_val_predict(LogisticRegression(C=c, max_iter=5000), xs, y,
                              cv=StratifiedKFold(5, shuffle=True, random_state=0))
        print(f"  C={c:<4} string-match scale={s:<4} accuracy {accuracy_score(y, p):.3f} kappa {cohen_kappa_score(y, p):.3f}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=Path, required=True, help="folder of XSTest completions_*_human_labels.csv")
    p.add_argument("--cv", action="store_true", help="also run the 5-fold CV grid on the training file")
    args = p.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if args.cv:
        _cv(args.data)
    cold, warm = _timing(args.data)
    print(f"RESULT judges_validate_cold_seconds={cold:.1f} judges_validate_warm_seconds={warm:.2f}")


if __name__ == "__main__":
    main()
