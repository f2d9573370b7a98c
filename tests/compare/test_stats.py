"""The small statistics against hand-computed values and reference implementations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.inter_rater import cohens_kappa
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from stagewise.compare import _stats as st
from stagewise.compare._bootstrap import bootstrap_totals


@pytest.mark.parametrize("s,n", [(0, 10), (1, 10), (5, 10), (10, 10), (37, 250), (1, 1), (199, 200)])
def test_wilson_matches_statsmodels(s: int, n: int) -> None:
    low, high = st.wilson_interval(s, n)
    ref = proportion_confint(s, n, alpha=0.05, method="wilson")
    assert low == pytest.approx(ref[0], abs=1e-12)
    assert high == pytest.approx(ref[1], abs=1e-12)


def test_wilson_hand_computed_and_vectorised() -> None:
    # 5/10: center 0.5, half = 1.96*sqrt(.025 + 1.96^2/400)/(1 + 1.96^2/10) = 0.26341
    low, high = st.wilson_interval(np.array([5, 0]), np.array([10, 0]))
    assert low[0] == pytest.approx(0.5 - 0.26341, abs=1e-4)
    assert high[0] == pytest.approx(0.5 + 0.26341, abs=1e-4)
    assert math.isnan(low[1]) and math.isnan(high[1])


@pytest.mark.parametrize("b,c", [(0, 0), (3, 0), (10, 4), (4, 10), (25, 30), (1, 60)])
def test_mcnemar_exact_matches_statsmodels(b: int, c: int) -> None:
    ref = mcnemar(np.array([[7, b], [c, 9]]), exact=True).pvalue
    assert st.mcnemar_exact(b, c) == pytest.approx(ref, abs=1e-12)


def test_mcnemar_hand_computed() -> None:
    # b=3, c=0: two-sided exact p = 2 * 0.5**3 = 0.25
    assert st.mcnemar_exact(3, 0) == pytest.approx(0.25)
    assert st.mcnemar_exact(0, 0) == 1.0


def test_holm_matches_statsmodels() -> None:
    rng = np.random.default_rng(0)
    for _ in range(50):
        p = rng.random(rng.integers(1, 12)) ** 3
        ref = multipletests(p, method="holm")[1]
        np.testing.assert_allclose(st.holm(p), ref, atol=1e-12)


def test_holm_hand_computed_and_nan() -> None:
    # sorted 0.01, 0.02, 0.04 -> 3*.01=.03, max(.03, 2*.02=.04)=.04, max(.04, .04)=.04
    np.testing.assert_allclose(st.holm([0.04, 0.01, np.nan, 0.02]), [0.04, 0.03, np.nan, 0.04])


def test_kappa_matches_references() -> None:
    rng = np.random.default_rng(1)
    for _ in range(30):
        a = rng.integers(0, 3, 80)
        b = np.where(rng.random(80) < 0.6, a, rng.integers(0, 3, 80))
        ref = cohen_kappa_score(a, b)
        assert st.cohen_kappa(a, b) == pytest.approx(ref, abs=1e-12)
        table = np.histogram2d(a, b, bins=[3, 3])[0]
        assert st.cohen_kappa(a, b) == pytest.approx(cohens_kappa(table).kappa, abs=1e-12)


def test_kappa_hand_computed() -> None:
    # a=1111100000, b=1111100011: agree on 8 -> po=.8; pa1=.5, pb1=.7 -> pe=.5*.7+.5*.3=.5
    # -> kappa = (.8 - .5) / (1 - .5) = .6
    a = [1] * 5 + [0] * 5
    b = [1, 1, 1, 1, 1, 0, 0, 0, 1, 1]
    assert st.cohen_kappa(a, b) == pytest.approx(0.6)
    assert st.cohen_kappa([1, 1], [1, 1]) == 1.0


def test_bootstrap_p_values_hand_computed() -> None:
    draws = np.array([-0.2, -0.1, 0.0, 0.1, 0.3])
    p_diff, p_tost = st.bootstrap_p_values(draws, 0.15)
    # <=0: 3, >=0: 3 -> 2*(3+1)/6 -> capped at 1; <=-0.15: 1 -> 2/6; >=0.15: 1 -> 2/6
    assert p_diff == 1.0
    assert p_tost == pytest.approx(2 / 6)


def test_items_needed_reaches_power() -> None:
    sd, gap, margin, alpha = 0.4, 0.01, 0.05, 0.05
    n = st.items_needed(sd, gap, margin, alpha)
    assert st.tost_power(n, sd, gap, margin, alpha) >= 0.8
    assert st.tost_power(n * 0.9, sd, gap, margin, alpha) < 0.8
    # Classic closed form for gap 0: n = ((z_.95 + z_.90) * sd / margin)^2 = 548.1
    assert st.items_needed(sd, 0.0, margin, alpha) == pytest.approx(548.1, rel=0.01)
    assert st.items_needed(sd, 0.06, margin, alpha) == math.inf
    assert math.isnan(st.items_needed(0.0, 0.0, margin, alpha))
    # difference: ((1.96 + 0.8416) * 0.4 / 0.1)^2 = 125.6
    assert st.items_needed(sd, 0.1, margin, alpha, goal="difference") == pytest.approx(125.6, rel=0.01)


def test_bootstrap_totals_is_an_item_bootstrap() -> None:
    """Compressed multinomial and index paths both resample items with replacement."""
    rng = np.random.default_rng(2)
    binary = (rng.random((5000, 2)) < 0.3).astype(float)  # 4 distinct rows: multinomial path
    cont = rng.random((300, 2))  # all rows distinct: index path
    for cols in (binary, cont):
        t = bootstrap_totals(cols, 4000, np.random.default_rng(3))
        n = cols.shape[0]
        means = t / n
        np.testing.assert_allclose(means.mean(0), cols.mean(0), atol=4 * cols.std(0).max() / math.sqrt(n * 4000))
        # The SD of a bootstrap mean is the plug-in standard error.
        np.testing.assert_allclose(means.std(0), cols.std(0) / math.sqrt(n), rtol=0.06)
    # Seeded: same generator state, same draws.
    a = bootstrap_totals(cont, 10, np.random.default_rng(9))
    b = bootstrap_totals(cont, 10, np.random.default_rng(9))
    np.testing.assert_array_equal(a, b)


def test_newcombe_hand_computed_and_tost_inversion() -> None:
    # No events on 24 paired items: +- the Wilson upper bound of 0/24 (phi = 0).
    wl, wh = st.wilson_interval(0, 24)
    low, high = st.newcombe_paired_interval(0, 0, 0, 24)
    assert low == pytest.approx(-wh) and high == pytest.approx(wh)
    # Independent cells (phi = 0): delta = sqrt((p1-l1)^2 + (u2-p2)^2) from the two Wilson intervals.
    n11, n10, n01, n00 = 10, 10, 10, 10
    l1, u1 = st.wilson_interval(20, 40)
    low, high = st.newcombe_paired_interval(n11, n10, n01, n00)
    assert low == pytest.approx(-math.sqrt((0.5 - l1) ** 2 + (u1 - 0.5) ** 2))
    # TOST p inverts the interval: the 1 - 2p interval touches the margin.
    p = st.newcombe_tost_p(30, 12, 8, 150, 0.08)
    lo, hi = st.newcombe_paired_interval(30, 12, 8, 150, 1 - 2 * p)
    assert min(abs(lo + 0.08), abs(hi - 0.08)) < 1e-6
