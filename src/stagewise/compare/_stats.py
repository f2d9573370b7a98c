"""Small, pure, vectorised statistics: intervals, exact tests, Holm, kappa, power.

Everything here takes numpy arrays (or scalars) and returns numpy values; the dataclasses
that the rest of stagewise shows to users are built from them in `_analysis.py`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from statistics import NormalDist

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats


def z_value(confidence: float) -> float:
    """The two-sided normal quantile for `confidence` (0.95 -> 1.96)."""
    return float(stats.norm.ppf(0.5 + confidence / 2))


def wilson_interval(successes: ArrayLike, n: ArrayLike, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for binomial proportions (vectorised).

    Args:
        successes: counts of 1s.
        n: numbers of trials (0 gives NaN bounds).
        confidence: two-sided level.

    Returns:
        (low, high) arrays, clipped to [0, 1].
    """
    s = np.asarray(successes, dtype=float)
    n = np.asarray(n, dtype=float)
    z = z_value(confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = s / n
        denom = 1 + z**2 / n
        center = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    return np.clip(center - half, 0, 1), np.clip(center + half, 0, 1)


def percentile_interval(draws: np.ndarray, confidence: float = 0.95, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Percentile bootstrap interval along `axis`, ignoring NaN draws (empty resamples)."""
    tail = (1 - confidence) / 2
    if not np.isnan(draws).any():
        low, high = np.quantile(draws, [tail, 1 - tail], axis=axis)
    else:
        with warnings.catch_warnings():  # an all-NaN slice (undefined ratio) gives NaN bounds
            warnings.simplefilter("ignore", RuntimeWarning)
            low, high = np.nanquantile(draws, [tail, 1 - tail], axis=axis)
    return low, high


def mcnemar_exact(b: ArrayLike, c: ArrayLike) -> np.ndarray:
    """Exact (binomial) two-sided McNemar p-value from the discordant counts.

    Args:
        b: items where the first rung is 1 and the second 0.
        c: items where the first rung is 0 and the second 1.

    Returns:
        p-values in [0, 1]; 1 when there are no discordant items.
    """
    b = np.asarray(b, dtype=float)
    c = np.asarray(c, dtype=float)
    n = b + c
    p = 2 * stats.binom.cdf(np.minimum(b, c), n, 0.5)
    return np.where(n > 0, np.minimum(p, 1.0), 1.0)


def bootstrap_p_values(draws: np.ndarray, margin: ArrayLike, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Percentile-inversion p-values of a difference: two-sided vs 0 and TOST vs +-margin.

    A percentile interval at level 1 - 2a excludes -margin exactly when fewer than a fraction
    a of the draws fall at or below -margin, so that fraction is the one-sided p-value. The
    add-one correction keeps p >= 1/(B+1): a finite bootstrap never proves p = 0.

    Returns:
        (p_difference, p_tost): p_tost is the larger of the two one-sided p-values.
    """
    d = np.asarray(draws, dtype=float)
    m = np.asarray(margin, dtype=float)
    valid = (~np.isnan(d)).sum(axis=axis)
    below0 = (d <= 0).sum(axis=axis)
    above0 = (d >= 0).sum(axis=axis)
    p_diff = np.minimum(1.0, 2 * (np.minimum(below0, above0) + 1) / (valid + 1))
    lower = ((d <= -np.expand_dims(m, axis)).sum(axis=axis) + 1) / (valid + 1)
    upper = ((d >= np.expand_dims(m, axis)).sum(axis=axis) + 1) / (valid + 1)
    return p_diff, np.maximum(lower, upper)


def holm(p_values: ArrayLike) -> np.ndarray:
    """Holm step-down adjusted p-values (NaN entries are left out and stay NaN)."""
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    q = p[ok]
    m = q.size
    if m == 0:
        return out
    order = np.argsort(q, kind="stable")
    adj = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * q[order]))
    res = np.empty(m)
    res[order] = adj
    out[ok] = res
    return out


def cohen_kappa(a: ArrayLike, b: ArrayLike) -> float:
    """Cohen's kappa between two label vectors (any hashable labels; NaN if undefined)."""
    a = np.asarray(a)
    b = np.asarray(b)
    if a.size == 0:
        return math.nan
    labels, inv = np.unique(np.concatenate([a, b]), return_inverse=True)
    k = labels.size
    ia, ib = inv[: a.size], inv[a.size :]
    table = np.bincount(ia * k + ib, minlength=k * k).reshape(k, k) / a.size
    po = np.trace(table)
    pe = float(table.sum(1) @ table.sum(0))
    if pe >= 1.0:
        return 1.0 if po >= 1.0 else math.nan
    return float((po - pe) / (1 - pe))


def tost_power(n: float, sd: float, gap: float, margin: float, alpha: float) -> float:
    """Normal-approximation power of TOST with `n` items, per-item SD `sd`, true gap `gap`."""
    if n <= 0:
        return 0.0
    se = sd / math.sqrt(n)
    norm = NormalDist()  # scalar and ~100x faster than scipy.stats.norm in this loop
    za = norm.inv_cdf(1 - alpha)
    p = norm.cdf((margin - gap) / se - za) + norm.cdf((margin + gap) / se - za) - 1
    return float(max(p, 0.0))


def items_needed(
    sd: float, gap: float, margin: float, alpha: float, power: float = 0.8, goal: str = "equivalence"
) -> float:
    """Items needed (normal approximation) to reach `power` if the true gap is `gap`.

    Args:
        sd: standard deviation of one item's paired difference.
        gap: the assumed true difference (usually the observed one).
        margin: the equivalence margin.
        alpha: the one-sided level of each TOST test (or two-sided level for a difference).
        power: the target power.
        goal: "equivalence" (TOST) or "difference" (two-sided test against 0).

    Returns:
        The number of items (float, inf when unreachable, NaN when `sd` is 0 or NaN).
    """
    if not sd > 0:
        return math.nan
    gap = abs(gap)
    if goal == "difference":
        if gap == 0:
            return math.inf
        z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
        return float((z * sd / gap) ** 2)
    if gap >= margin:
        return math.inf
    lo, hi = 1.0, 2.0
    while tost_power(hi, sd, gap, margin, alpha) < power:
        lo, hi = hi, hi * 2
        if hi > 1e12:
            return math.inf
    for _ in range(60):
        mid = math.sqrt(lo * hi)
        lo, hi = (mid, hi) if tost_power(mid, sd, gap, margin, alpha) < power else (lo, mid)
        if hi - lo < 0.5:
            break
    return float(hi)


def _wilson_scalar(s: float, n: float, z: float) -> tuple[float, float]:
    p = s / n
    denom = 1 + z * z / n
    center = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(max(p * (1 - p) / n + z * z / (4 * n * n), 0.0)) / denom
    return max(center - half, 0.0), min(center + half, 1.0)


def newcombe_paired_interval(n11: int, n10: int, n01: int, n00: int, confidence: float = 0.95) -> tuple[float, float]:
    """Newcombe's hybrid score interval (method 10) for p1 - p2 from paired 0/1 outcomes.

    Unlike the bootstrap it stays honest with few or no discordant items: 0 events on 24 items
    gives about +-0.14, not [0, 0].

    Args:
        n11, n10, n01, n00: items with (first, second) outcomes (1,1), (1,0), (0,1), (0,0).
        confidence: two-sided level.

    Returns:
        (low, high) of the first rung's rate minus the second's (NaN without items).
    """
    n = n11 + n10 + n01 + n00
    if n == 0:
        return math.nan, math.nan
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    p1, p2 = (n11 + n10) / n, (n11 + n01) / n
    l1, u1 = _wilson_scalar(n11 + n10, n, z)
    l2, u2 = _wilson_scalar(n11 + n01, n, z)
    a = (n11 + n10) * (n01 + n00) * (n11 + n01) * (n10 + n00)
    phi = (n11 * n00 - n10 * n01) / math.sqrt(a) if a > 0 else 0.0
    d = p1 - p2
    delta = math.sqrt(max((p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2, 0.0))
    eps = math.sqrt(max((u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2, 0.0))
    return d - delta, d + eps


def newcombe_tost_p(n11: int, n10: int, n01: int, n00: int, margin: float) -> float:
    """TOST p-value from inverting Newcombe's interval: the largest of the two one-sided levels at
    which the (1 - 2p) interval just touches -margin or +margin."""
    if n11 + n10 + n01 + n00 == 0:
        return 1.0

    def one_sided(inside: Callable[[float], bool]) -> float:
        # inside(a): the 1 - 2a interval excludes the margin; monotone in a (wider for small a).
        if not inside(0.4999):
            return 1.0
        lo, hi = 1e-12, 0.4999
        if inside(lo):
            return lo
        for _ in range(50):
            mid = (lo + hi) / 2
            lo, hi = (lo, mid) if inside(mid) else (mid, hi)
        return hi

    p_low = one_sided(lambda a: newcombe_paired_interval(n11, n10, n01, n00, 1 - 2 * a)[0] > -margin)
    p_high = one_sided(lambda a: newcombe_paired_interval(n11, n10, n01, n00, 1 - 2 * a)[1] < margin)
    return max(p_low, p_high)
