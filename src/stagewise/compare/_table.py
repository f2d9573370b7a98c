"""From the per-sample DataFrame (architecture.md, Contract 2) to dense arrays per metric."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from stagewise.compare._errors import CompareError

REQUIRED_COLUMNS: tuple[str, ...] = ("rung", "stage", "rung_index", "benchmark", "metric", "item_id", "epoch", "value")


@dataclass(frozen=True)
class MetricData:
    """One metric's values as arrays; rows follow `rungs` (ladder order)."""

    metric: str  # benchmark/metric
    rungs: tuple[str, ...]
    items: np.ndarray  # item ids, shape (I,)
    values: np.ndarray  # (R, E, I), NaN = missing or unscored
    unscored: np.ndarray  # (R,) number of NaN values that were present in the results

    @property
    def sums(self) -> np.ndarray:
        """(R, I) sum of scored values per item."""
        return np.nansum(self.values, axis=1)

    @property
    def counts(self) -> np.ndarray:
        """(R, I) number of scored values per item."""
        return (~np.isnan(self.values)).sum(axis=1).astype(float)

    @property
    def binary(self) -> bool:
        """True when every scored value is 0 or 1."""
        v = self.values[~np.isnan(self.values)]
        return bool(np.all((v == 0) | (v == 1)))

    def epochs(self, r: int) -> int:
        """Most scored epochs any item has on rung row `r`."""
        c = (~np.isnan(self.values[r])).sum(axis=0)
        return int(c.max()) if c.size else 0


def ladder(samples: pd.DataFrame) -> list[tuple[str, str, int]]:
    """(rung, stage, rung_index) in ladder order."""
    rows = samples[["rung", "stage", "rung_index"]].drop_duplicates("rung")
    rows = rows.sort_values(["rung_index", "rung"], kind="stable")
    return [(str(r.rung), str(r.stage), int(r.rung_index)) for r in rows.itertuples()]


def check_samples(samples: pd.DataFrame) -> None:
    """Raise CompareError unless `samples` has the Contract 2 columns and some rows."""
    missing = [c for c in REQUIRED_COLUMNS if c not in samples.columns]
    if missing:
        raise CompareError(f"results table lacks column(s) {', '.join(missing)}; regenerate it with `stagewise results`")
    if samples.empty:
        raise CompareError("results table is empty; run `stagewise run STUDY` first")


def metric_tables(samples: pd.DataFrame) -> list[MetricData]:
    """Split the per-sample table into one MetricData per `benchmark/metric`, in first-seen order."""
    check_samples(samples)
    rungs = tuple(name for name, _, _ in ladder(samples))
    rung_code = {name: i for i, name in enumerate(rungs)}
    # Factorize each string column once (tens of millions of string ops otherwise).
    b_codes, b_names = pd.factorize(samples["benchmark"], sort=False)
    m_codes, m_names = pd.factorize(samples["metric"], sort=False)
    pair_codes, first = np.unique(b_codes.astype(np.int64) * len(m_names) + m_codes, return_index=True)
    order_seen = np.argsort(first, kind="stable")  # metrics in first-seen order
    r_codes, r_names = pd.factorize(samples["rung"])
    r_all = np.array([rung_code[str(n)] for n in r_names])[r_codes]
    e_all = samples["epoch"].to_numpy(dtype=np.int64) - 1
    if e_all.min() < 0:
        raise CompareError("epochs are 1-based in the results table; found epoch < 1")
    v_all = samples["value"].to_numpy(dtype=float)
    i_codes, i_names = pd.factorize(samples["item_id"], sort=False)
    key = b_codes.astype(np.int64) * len(m_names) + m_codes
    order = np.argsort(key, kind="stable")
    bounds = np.searchsorted(key[order], pair_codes, side="left").tolist() + [len(key)]
    out = []
    for j in order_seen:
        sel = order[bounds[j] : bounds[j + 1]]
        uniq_items, item_codes = np.unique(i_codes[sel], return_inverse=True)
        r, e, v = r_all[sel], e_all[sel], v_all[sel]
        values = np.full((len(rungs), int(e.max()) + 1, len(uniq_items)), np.nan)
        values[r, e, item_codes] = v
        unscored = np.bincount(r[np.isnan(v)], minlength=len(rungs))
        b, m = divmod(int(pair_codes[j]), len(m_names))
        items = np.asarray(i_names, dtype=object)[uniq_items]
        out.append(MetricData(f"{b_names[b]}/{m_names[m]}", rungs, items, values, unscored))
    return out
