"""Validation by simulation: over >= 1,000 simulated datasets the 95% intervals cover the truth
93-97% of the time, and TOST calls a difference AT the margin "equivalent" at most 5% of the time.

Each simulated dataset is one metric of a single results table, analysed by one `compare` call.
"""

from __future__ import annotations

import numpy as np

from stagewise.compare import compare

N_SIMS = 1000
STAGES = {"sft": "sft", "production": "production"}


def _paired_binary(rng: np.random.Generator, n: int, p11: float, p10: float, p01: float) -> tuple[np.ndarray, np.ndarray]:
    """Two correlated 0/1 outcomes per item from the 2x2 cell probabilities."""
    u = rng.random((N_SIMS, 1, n))
    a = (u < p11 + p10).astype(float)
    b = ((u < p11) | ((u >= p11 + p10) & (u < p11 + p10 + p01))).astype(float)
    return a, b


def _covered(rows: list, truth: dict[str, float], key: str) -> float:
    hits = [r.low <= truth[getattr(r, key)] <= r.high for r in rows]
    return float(np.mean(hits))


def test_binary_single_epoch_coverage(sim_table) -> None:
    rng = np.random.default_rng(1)
    p11, p10, p01 = 0.20, 0.12, 0.05  # sft rate 0.32, production 0.25, true gap +0.07
    a, b = _paired_binary(rng, 300, p11, p10, p01)
    c = compare(sim_table({"sft": a, "production": b}, STAGES), specs={}, n_boot=1000, seed=2)
    assert len(c.metrics) == N_SIMS
    est = [e for e in c.estimates if e.rung == "sft"]
    assert all(e.method == "wilson" for e in est)
    cov_est = _covered(est, {"sft": p11 + p10}, "rung")
    diffs = [d for d in c.differences if (d.a, d.b) == ("sft", "production")]
    assert all(d.p_method == "mcnemar-exact" for d in diffs)
    cov_diff = _covered(diffs, {"sft": p10 - p01}, "a")
    print(f"\nbinary, 1 epoch, n=300: estimate coverage {cov_est:.3f}, difference coverage {cov_diff:.3f}")
    assert 0.93 <= cov_est <= 0.97, cov_est
    assert 0.93 <= cov_diff <= 0.97, cov_diff


def test_clustered_epochs_coverage(sim_table) -> None:
    """Several epochs per item: the item-clustered bootstrap must cover the mean item rate."""
    rng = np.random.default_rng(3)
    n, epochs = 120, 3
    p_item = rng.beta(1.0, 3.0, size=(N_SIMS, 1, n))  # heterogeneous items, mean 0.25
    shift = rng.beta(1.0, 12.0, size=(N_SIMS, 1, n))  # sft is a little more likely, per item
    b = (rng.random((N_SIMS, epochs, n)) < p_item).astype(float)
    a = (rng.random((N_SIMS, epochs, n)) < np.clip(p_item + shift, 0, 1)).astype(float)
    c = compare(sim_table({"sft": a, "production": b}, STAGES), specs={}, n_boot=1000, seed=4)
    est = [e for e in c.estimates if e.rung == "production"]
    assert all(e.method == "bootstrap" for e in est)
    # Truth: the population mean item rate, E[Beta(1,3)] = 0.25.
    cov_est = float(np.mean([e.low <= 0.25 <= e.high for e in est]))
    true_gap = float(np.mean(np.clip(rng.beta(1.0, 3.0, 2_000_000) + rng.beta(1.0, 12.0, 2_000_000), 0, 1))) - 0.25
    diffs = [d for d in c.differences if (d.a, d.b) == ("sft", "production")]
    cov_diff = float(np.mean([d.low <= true_gap <= d.high for d in diffs]))
    print(f"\nbinary, 3 epochs, n=120: estimate coverage {cov_est:.3f}, difference coverage {cov_diff:.3f}")
    assert 0.93 <= cov_est <= 0.97, cov_est
    assert 0.93 <= cov_diff <= 0.97, cov_diff


def test_continuous_mean_difference_coverage(sim_table) -> None:
    rng = np.random.default_rng(5)
    n = 150
    base = rng.beta(2, 5, size=(N_SIMS, 1, n))
    a = np.clip(base + rng.normal(0.03, 0.1, base.shape), 0, 1)
    b = np.clip(base + rng.normal(0.0, 0.1, base.shape), 0, 1)
    # Truth by Monte Carlo on a huge sample from the same generator.
    big = rng.beta(2, 5, 4_000_000)
    truth = float(np.mean(np.clip(big + rng.normal(0.03, 0.1, big.size), 0, 1) - np.clip(big + rng.normal(0, 0.1, big.size), 0, 1)))
    c = compare(sim_table({"sft": a, "production": b}, STAGES), specs={}, n_boot=1000, seed=6)
    diffs = [d for d in c.differences if (d.a, d.b) == ("sft", "production")]
    assert all(d.p_method == "bootstrap" for d in diffs)
    cov = float(np.mean([d.low <= truth <= d.high for d in diffs]))
    print(f"\ncontinuous, n=150: difference coverage {cov:.3f}")
    assert 0.93 <= cov <= 0.97, cov


def test_tost_false_equivalence_at_margin(sim_table) -> None:
    """True gap exactly at the margin: "equivalent" must come out at most 5% of the time."""
    rng = np.random.default_rng(7)
    margin = 0.05
    a, b = _paired_binary(rng, 400, 0.20, 0.09, 0.04)  # gap = 0.09 - 0.04 = margin
    margins = {f"sim/m{s:05d}": margin for s in range(N_SIMS)}
    c = compare(sim_table({"sft": a, "production": b}, STAGES), margins=margins, specs={}, n_boot=1000, seed=8)
    diffs = [d for d in c.differences if (d.a, d.b) == ("sft", "production")]
    raw_rate = float(np.mean([d.p_tost < 0.05 for d in diffs]))  # before Holm
    verdict_rate = float(np.mean([d.verdict == "equivalent" for d in diffs]))  # after Holm
    assert raw_rate <= 0.05, raw_rate
    assert verdict_rate <= raw_rate
    # ... and the test is not trivially conservative: with a true gap of 0 it finds equivalence.
    a0, b0 = _paired_binary(rng, 400, 0.20, 0.04, 0.04)
    c0 = compare(sim_table({"sft": a0, "production": b0}, STAGES), margins=margins, specs={}, n_boot=1000, seed=9)
    power = float(np.mean([d.p_tost < 0.05 for d in c0.differences if d.a == "sft"]))
    print(f"\nTOST at the margin, n=400: false 'equivalent' {raw_rate:.3f}; "
          f"power at gap 0: {power:.3f}")
    assert power > 0.5, power
