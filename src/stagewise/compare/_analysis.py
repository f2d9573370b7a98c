"""`compare(samples, ...)`: every statistic of a study from its per-sample table.

Per metric, one joint item bootstrap (the same resampled items for every rung) gives the
intervals of estimates, paired differences and attribution shares together, so all of them
respect the pairing of rungs by item.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from stagewise.compare import _stats as st
from stagewise.compare._bootstrap import bootstrap_totals, compress_rows
from stagewise.compare._metrics import metric_info, noise_ceiling, resolve_pairs, roles
from stagewise.compare._table import MetricData, ladder, metric_tables
from stagewise.compare._types import (
    Agreement,
    Attribution,
    Comparison,
    Difference,
    Estimate,
    MetricInfo,
    NoiseCeiling,
    RungInfo,
    Settings,
    Verdict,
)


class _Columns:
    """Registry of bootstrap columns: (sum, count) of one rung over a set of items."""

    def __init__(self, sums: np.ndarray, counts: np.ndarray) -> None:
        self.sums, self.counts = sums, counts
        self.present = counts > 0
        self.cols: list[np.ndarray] = []
        self.keys: dict[tuple[int, bytes], int] = {}

    def mask(self, rungs: Sequence[int]) -> np.ndarray:
        return np.logical_and.reduce([self.present[r] for r in rungs])

    def add(self, r: int, mask: np.ndarray) -> int:
        """Index i such that totals[:, i] / totals[:, i + 1] is rung r's mean over `mask`."""
        canonical = np.array_equal(mask, self.present[r])
        key = (r, b"" if canonical else np.packbits(mask).tobytes())
        if key not in self.keys:
            self.keys[key] = len(self.cols)
            self.cols += [np.where(mask, self.sums[r], 0.0), np.where(mask, self.counts[r], 0.0)]
        return self.keys[key]

    def matrix(self) -> np.ndarray:
        return np.stack(self.cols, axis=1)


def _ratio(totals: np.ndarray, i: int) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return totals[..., i] / totals[..., i + 1]


def compare(
    samples: pd.DataFrame,
    margins: Mapping[str, float] | None = None,
    specs: Mapping[str, object] | None = None,
    pairs: Sequence[tuple[str, str]] = (),
    n_boot: int = 2000,
    seed: int = 0,
    confidence: float = 0.95,
    alpha: float = 0.05,
    power: float = 0.8,
) -> Comparison:
    """Compare every rung of a study on every metric.

    Args:
        samples: the per-sample table of Contract 2 (docs/architecture.md).
        margins: equivalence margin per `benchmark/metric` (absolute, on the metric's scale);
            metrics not listed use their MetricSpec's default margin.
        specs: MetricSpec per `benchmark/metric`; default from `stagewise.evals.BENCHMARKS`.
        pairs: extra (a, b) pairs to compare as `a - b`; rung or stage names.
        n_boot: bootstrap resamples.
        seed: seed of the bootstrap generator.
        confidence: level of the reported intervals.
        alpha: level of the tests (TOST uses the 1 - 2 alpha interval).
        power: target power of the "items needed" calculation.

    Returns:
        The frozen Comparison.

    Raises:
        CompareError: the table is malformed or a pair names an unknown rung.
    """
    tables = metric_tables(samples)
    lad = ladder(samples)
    names = [n for n, _, _ in lad]
    base, sft, prod = roles(lad)
    main, explicit, all_pairs = resolve_pairs(lad, pairs, base, sft, prod)
    infos = [metric_info(t.metric, t.binary, margins or {}, specs) for t in tables]
    rng = np.random.default_rng(seed)
    settings = Settings(n_boot=n_boot, seed=seed, confidence=confidence, alpha=alpha, power=power)
    estimates: list[Estimate] = []
    raw_diffs: list[dict[str, Any]] = []
    noise: list[NoiseCeiling] = []
    attribution: list[Attribution] = []
    agreement: list[Agreement] = []
    epochs = {n: 0 for n in names}
    for table, info in zip(tables, infos):
        sums, counts = table.sums, table.counts
        n_epochs = [table.epochs(r) for r in range(len(names))]
        for r, n in enumerate(names):
            epochs[n] = max(epochs[n], n_epochs[r])
        # Items with the same sums and counts on every rung are interchangeable: work on the
        # distinct ones, weighted by how many items each stands for (exact, and much smaller).
        base_cols, freq = compress_rows(np.concatenate([sums, counts]).T)
        reg = _Columns(base_cols[:, : len(names)].T, base_cols[:, len(names) :].T)
        idx = {n: i for i, n in enumerate(names)}
        own = [reg.add(r, reg.present[r]) for r in range(len(names))]
        pair_cols = []
        for a, b in all_pairs:
            m = reg.mask([idx[a], idx[b]])
            pair_cols.append((reg.add(idx[a], m), reg.add(idx[b], m), m))
        attr_cols = []
        if base is not None and base != prod:
            for k in names:
                if k in (base, prod):
                    continue
                m = reg.mask([idx[base], idx[k], idx[prod]])
                attr_cols.append((k, reg.add(idx[k], m), reg.add(idx[base], m), reg.add(idx[prod], m)))
        matrix = reg.matrix()
        totals = bootstrap_totals(matrix, n_boot, rng, freq=freq)
        point = freq @ matrix
        binary = table.binary
        for r, n in enumerate(names):
            wilson = binary and n_epochs[r] == 1
            n_items = int(freq[reg.present[r]].sum())
            estimates.append(_estimate(info, n, point, totals, own[r], wilson, n_items, table.unscored[r], confidence))
        nc = noise_ceiling(table, info, idx[prod], confidence)
        for (a, b), (ia, ib, m) in zip(all_pairs, pair_cols):
            d = _difference(info, a, b, point, totals, ia, ib, int(freq[m].sum()), confidence, alpha)
            if binary and n_epochs[idx[a]] == 1 and n_epochs[idx[b]] == 1:
                # One 0/1 value per item: the exact McNemar test on the discordant items.
                # Newcombe's score interval replaces the bootstrap one, which collapses to [0, 0]
                # when no item is discordant.
                xa, xb = reg.sums[idx[a]], reg.sums[idx[b]]
                cells = ((1, 1), (1, 0), (0, 1), (0, 0))
                n11, n10, n01, n00 = (int(freq[m & (xa == u) & (xb == v)].sum()) for u, v in cells)
                low, high = st.newcombe_paired_interval(n11, n10, n01, n00, confidence)
                low90, high90 = st.newcombe_paired_interval(n11, n10, n01, n00, 1 - 2 * alpha)
                d.update(p_difference=float(st.mcnemar_exact(n10, n01)), p_method="mcnemar-exact", discordant=(n10, n01),
                         low=low, high=high, low90=low90, high90=high90, ci_method="newcombe",
                         p_tost=st.newcombe_tost_p(n11, n10, n01, n00, info.margin))  # fmt: skip
            raw_diffs.append(d)
        if nc is not None:
            gap_rung = main[0] if main and main[1] == prod else None
            gap = next((d["diff"] for d in raw_diffs if d["metric"] == info.id and (d["a"], d["b"]) == main), None)
            within = None if gap is None or math.isnan(gap) else bool(abs(gap) <= nc.band)
            nc = NoiseCeiling(**{**nc.__dict__, "gap_rung": gap_rung, "gap": gap, "gap_within_noise": within})
            noise.append(nc)
        for k, ik, ibase, iprod in attr_cols:
            attribution.append(_attribution(info.id, k, point, totals, ik, ibase, iprod, nc, confidence))
        if binary:
            for a, b in dict.fromkeys(([main] if main else []) + explicit):
                agreement.append(_agreement(table, info.id, a, b, idx))
    differences = _verdicts(raw_diffs, infos, all_pairs, alpha, power)
    rungs = tuple(RungInfo(n, s, i, epochs[n]) for n, s, i in lad)
    return Comparison(
        rungs=rungs, base=base, sft=sft, production=prod, main_pair=main, chosen_pairs=tuple(explicit),
        pairs=tuple(all_pairs),
        metrics=tuple(infos), estimates=tuple(estimates), differences=differences, noise=tuple(noise),
        attribution=tuple(attribution), agreement=tuple(agreement), settings=settings,
    )  # fmt: skip


def _estimate(info: MetricInfo, name: str, point: np.ndarray, totals: np.ndarray, col: int, wilson: bool,
              n_items: int, unscored: int, confidence: float) -> Estimate:  # fmt: skip
    s, n = point[col], point[col + 1]
    if n == 0:
        return Estimate(info.id, name, math.nan, math.nan, math.nan, "none", 0, 0, int(unscored))
    if wilson:
        low, high = st.wilson_interval(s, n, confidence)
    else:
        low, high = st.percentile_interval(_ratio(totals, col), confidence)
    method: Literal["wilson", "bootstrap"] = "wilson" if wilson else "bootstrap"
    return Estimate(info.id, name, float(s / n), float(low), float(high), method, n_items, int(n), int(unscored))


def _difference(info: MetricInfo, a: str, b: str, point: np.ndarray, totals: np.ndarray, ia: int, ib: int,
                n_items: int, confidence: float, alpha: float) -> dict[str, Any]:  # fmt: skip
    with np.errstate(invalid="ignore", divide="ignore"):
        diff = float(point[ia] / point[ia + 1] - point[ib] / point[ib + 1])
    draws = _ratio(totals, ia) - _ratio(totals, ib)
    low, high = st.percentile_interval(draws, confidence)
    low90, high90 = st.percentile_interval(draws, 1 - 2 * alpha)
    p_diff, p_tost = st.bootstrap_p_values(draws, info.margin)
    return {
        "metric": info.id, "a": a, "b": b, "diff": diff, "low": float(low), "high": float(high),
        "low90": float(low90), "high90": float(high90), "se": _sd(draws),
        "n_items": n_items, "p_difference": float(p_diff), "p_method": "bootstrap", "margin": info.margin,
        "p_tost": float(p_tost), "discordant": None, "ci_method": "bootstrap",
    }  # fmt: skip


def _sd(draws: np.ndarray) -> float:
    ok = draws[~np.isnan(draws)]
    return float(ok.std(ddof=1)) if ok.size > 1 else math.nan


def _verdicts(raw: list[dict[str, Any]], infos: list[MetricInfo], pairs: list[tuple[str, str]], alpha: float,
              power: float) -> tuple[Difference, ...]:  # fmt: skip
    """Holm across the metrics of each pair, then verdicts and items needed."""
    out: dict[int, Difference] = {}
    n_metrics = max(1, len(infos))
    for pair in pairs:
        rows = [i for i, d in enumerate(raw) if (d["a"], d["b"]) == pair]
        p_diff = st.holm([raw[i]["p_difference"] for i in rows])
        p_tost = st.holm([raw[i]["p_tost"] for i in rows])
        for i, pd_, pt in zip(rows, p_diff, p_tost):
            d = raw[i]
            verdict: Verdict = "equivalent" if pt < alpha else "different" if pd_ < alpha else "inconclusive"
            need: float | None = None
            goal: Literal["equivalence", "difference"] | None = None
            if verdict == "inconclusive":
                goal = "equivalence" if abs(d["diff"]) < d["margin"] else "difference"
                sd = d["se"] * math.sqrt(d["n_items"])
                # alpha / n_metrics: enough for Holm to succeed whatever this metric's rank.
                total = st.items_needed(sd, d["diff"], d["margin"], alpha / n_metrics, power, goal)
                if math.isinf(total):
                    need = math.inf
                elif not math.isnan(total):
                    need = float(max(0, math.ceil(total) - d["n_items"]))
            out[i] = Difference(**d, p_difference_holm=float(pd_), p_tost_holm=float(pt), verdict=verdict,
                                items_needed=need, needed_for=goal)  # fmt: skip
    return tuple(out[i] for i in sorted(out))


def _attribution(metric: str, rung: str, point: np.ndarray, totals: np.ndarray, ik: int, ibase: int, iprod: int,
                 nc: NoiseCeiling | None, confidence: float) -> Attribution:  # fmt: skip
    with np.errstate(invalid="ignore", divide="ignore"):
        mk, mb, mp = (point[i] / point[i + 1] for i in (ik, ibase, iprod))
        shift = float(mp - mb)
        share = float((mk - mb) / shift) if shift != 0 else math.nan
        dk, db, dp = (_ratio(totals, i) for i in (ik, ibase, iprod))
        shift_draws = dp - db
        share_draws = np.where(shift_draws != 0, (dk - db) / shift_draws, np.nan)
    s_low, s_high = st.percentile_interval(shift_draws, confidence)
    low, high = st.percentile_interval(share_draws, confidence)
    defined, reason = True, ""
    if not (s_low > 0 or s_high < 0):
        defined, reason = False, "the base-to-production shift's interval includes 0"
    elif nc is not None and abs(shift) <= nc.band:
        defined, reason = False, "the base-to-production shift is within production's run-to-run noise"
    return Attribution(metric, rung, share, float(low), float(high), shift, defined, reason)


def _agreement(table: MetricData, metric: str, a: str, b: str, idx: dict[str, int]) -> Agreement:
    sums, counts = table.sums, table.counts
    with np.errstate(invalid="ignore", divide="ignore"):
        ma = sums[idx[a]] / counts[idx[a]]
        mb = sums[idx[b]] / counts[idx[b]]
    ok = ~np.isnan(ma) & ~np.isnan(mb)
    la, lb = ma[ok] >= 0.5, mb[ok] >= 0.5  # majority label over epochs
    if not ok.any():
        return Agreement(metric, a, b, 0, math.nan, math.nan)
    diff = la != lb
    items = table.items[ok][diff]
    dis = tuple((str(i), float(x), float(y)) for i, x, y in zip(items, ma[ok][diff], mb[ok][diff]))
    return Agreement(metric, a, b, int(ok.sum()), float(1 - diff.mean()), st.cohen_kappa(la, lb), dis)
