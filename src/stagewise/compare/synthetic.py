"""Synthetic per-sample tables (Contract 2) for tests, benchmarks and previews of the report.

Each item has a latent propensity shared by all rungs (so rungs are correlated item by item,
as real checkpoints of one model are); each rung shifts it on the logit scale.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

_STAGES = ("base", "sft", "preference", "rl", "production")


def ladder_names(n_rungs: int) -> list[tuple[str, str]]:
    """(name, stage) for a ladder of `n_rungs`: base, sft, then preference/rl steps, production."""
    if n_rungs == 1:
        return [("production", "production")]
    if n_rungs == 2:
        return [("sft", "sft"), ("production", "production")]
    middle = n_rungs - 3
    names = [("base", "base"), ("sft", "sft")]
    for i in range(middle):
        stage = "preference" if i < (middle + 1) // 2 else "rl"
        names.append((f"{stage}-{i + 1}", stage))
    return names + [("production", "production")]


def synthetic_samples(
    n_rungs: int = 4,
    n_items: int = 200,
    metrics: Mapping[str, str] | None = None,
    shifts: Mapping[str, Sequence[float]] | None = None,
    epochs: Mapping[str, int] | None = None,
    unscored: float = 0.0,
    seed: int = 0,
) -> pd.DataFrame:
    """A per-sample results table for a ladder of `n_rungs`.

    Args:
        n_rungs: rungs in the ladder (names from `ladder_names`).
        n_items: items per metric.
        metrics: `benchmark/metric` -> "rate" (0/1 values) or "mean" (values in [0, 1]).
        shifts: `benchmark/metric` -> one logit shift per rung (default: base 0, rising to 2 at
            production, with SFT already at 1.8).
        epochs: rung name -> number of epochs (default 1; production 1).
        unscored: fraction of values set to NaN (judge reply unparsable).
        seed: random seed.

    Returns:
        A DataFrame with the Contract 2 columns.
    """
    rng = np.random.default_rng(seed)
    metrics = dict(metrics or {"xstest/over_refusal": "rate", "harmbench/asr": "rate", "strongreject/score": "mean"})
    lad = ladder_names(n_rungs)
    epochs = dict(epochs or {})
    frames = []
    for m_i, (mid, kind) in enumerate(metrics.items()):
        benchmark, _, metric = mid.partition("/")
        shift = np.asarray((shifts or {}).get(mid, _default_shift(n_rungs)), dtype=float)
        items = np.array([f"{benchmark}-{i:05d}" for i in range(n_items)], dtype=object)
        latent = rng.normal(-1.0 + 0.3 * m_i, 1.5, size=n_items)
        for r, (name, stage) in enumerate(lad):
            p = 1 / (1 + np.exp(-(latent - shift[r])))
            for e in range(epochs.get(name, 1)):
                if kind == "rate":
                    v = (rng.random(n_items) < p).astype(float)
                else:
                    v = np.clip(p + rng.normal(0, 0.1, n_items), 0, 1)
                if unscored:
                    v[rng.random(n_items) < unscored] = np.nan
                frames.append(pd.DataFrame({
                    "rung": name, "stage": stage, "rung_index": r, "benchmark": benchmark, "metric": metric,
                    "item_id": items, "epoch": e + 1, "value": v, "judge": "string-match",
                }))  # fmt: skip
    return pd.concat(frames, ignore_index=True)


def _default_shift(n_rungs: int) -> np.ndarray:
    if n_rungs <= 2:
        return np.full(n_rungs, 2.0)
    return np.concatenate([[0.0], np.linspace(1.8, 2.0, n_rungs - 1)])
