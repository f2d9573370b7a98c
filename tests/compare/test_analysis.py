"""`compare` on small hand-built tables: roles, pairs, margins, pairing, verdicts, attribution."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stagewise.compare import CompareError, compare
from stagewise.compare.synthetic import synthetic_samples
from stagewise.evals import MetricSpec


def _rows(rung: str, stage: str, idx: int, values: list[float], metric: str = "m", epoch: int = 1,
          items: list[str] | None = None) -> pd.DataFrame:  # fmt: skip
    items = items or [f"i{k}" for k in range(len(values))]
    return pd.DataFrame({"rung": rung, "stage": stage, "rung_index": idx, "benchmark": "b", "metric": metric,
                         "item_id": items, "epoch": epoch, "value": values, "judge": "j"})  # fmt: skip


def test_hand_computed_pair() -> None:
    # 10 items. sft: 1111100000, prod: 1111000011 -> sft 0.5, prod 0.6,
    # discordant: (sft=1, prod=0) = 1 item, (0, 1) = 2 items -> McNemar exact p = 1.
    df = pd.concat([
        _rows("sft", "sft", 0, [1, 1, 1, 1, 1, 0, 0, 0, 0, 0]),
        _rows("prod", "production", 1, [1, 1, 1, 1, 0, 0, 0, 0, 1, 1]),
    ])  # fmt: skip
    c = compare(df, specs={}, n_boot=500)
    assert c.main_pair == ("sft", "prod") and c.sft == "sft" and c.production == "prod" and c.base is None
    est = {e.rung: e for e in c.estimates}
    assert est["sft"].value == 0.5 and est["prod"].value == pytest.approx(0.6)
    assert est["sft"].method == "wilson"
    d = c.difference("b/m", "sft", "prod")
    assert d.diff == pytest.approx(-0.1)
    assert d.discordant == (1, 2)
    assert d.p_method == "mcnemar-exact" and d.p_difference == pytest.approx(1.0)
    assert d.low <= -0.1 <= d.high
    # |gap| 0.1 is beyond the 0.05 margin: more items could only show a difference.
    assert d.verdict == "inconclusive" and d.needed_for == "difference" and d.items_needed > 10
    ag = c.agreement[0]
    assert ag.percent == pytest.approx(0.7)
    assert {i for i, _, _ in ag.disagreements} == {"i4", "i8", "i9"}
    assert ag.kappa == pytest.approx((0.7 - (0.5 * 0.6 + 0.5 * 0.4)) / (1 - 0.5))


def test_pairs_use_only_shared_items_and_count_unscored() -> None:
    df = pd.concat([
        _rows("sft", "sft", 0, [1, 0, 1, np.nan], items=["a", "b", "c", "d"]),
        _rows("prod", "production", 1, [1, 1, 0], items=["a", "b", "x"]),
    ])  # fmt: skip
    c = compare(df, specs={}, n_boot=200)
    est = {e.rung: e for e in c.estimates}
    assert est["sft"].n_values == 3 and est["sft"].n_unscored == 1 and est["sft"].value == pytest.approx(2 / 3)
    d = c.difference("b/m", "sft", "prod")
    assert d.n_items == 2  # a and b only
    assert d.diff == pytest.approx(0.5 - 1.0)


def test_margins_from_study_then_spec_default() -> None:
    df = synthetic_samples(n_rungs=3, n_items=50, metrics={"xstest/over_refusal": "rate", "harmbench/asr": "rate"})
    c = compare(df, margins={"harmbench/asr": 0.1}, n_boot=100)
    info = {m.id: m for m in c.metrics}
    assert info["harmbench/asr"].margin == 0.1 and info["harmbench/asr"].margin_source == "study"
    assert info["xstest/over_refusal"].margin == 0.05 and info["xstest/over_refusal"].margin_source == "default"
    spec = {"xstest/over_refusal": MetricSpec("over_refusal", "rate", "lower", "", 0.02)}
    c2 = compare(df, specs=spec, n_boot=100)
    assert {m.id: m.margin for m in c2.metrics}["xstest/over_refusal"] == 0.02
    with pytest.raises(CompareError, match="margin"):
        compare(df, margins={"harmbench/asr": 0.0}, n_boot=100)


def test_identical_rungs_are_equivalent_and_shifted_ones_different() -> None:
    rng = np.random.default_rng(0)
    x = (rng.random(2000) < 0.3).astype(float)
    df = pd.concat([
        _rows("base", "base", 0, list(1 - x), metric="flip"), _rows("base", "base", 0, list(x), metric="same"),
        _rows("sft", "sft", 1, list(x), metric="flip"), _rows("sft", "sft", 1, list(x), metric="same"),
        _rows("prod", "production", 2, list(x), metric="flip"), _rows("prod", "production", 2, list(x), metric="same"),
    ])  # fmt: skip
    c = compare(df, specs={}, n_boot=500)
    assert c.verdicts() == {"b/flip": "equivalent", "b/same": "equivalent"}
    assert c.verdicts(("base", "prod")) == {"b/flip": "different", "b/same": "equivalent"}
    att = {a.metric: a for a in c.attribution}
    assert att["b/flip"].defined and att["b/flip"].share == pytest.approx(1.0)
    assert not att["b/same"].defined and "includes 0" in att["b/same"].reason


def test_noise_ceiling_and_clustered_estimates() -> None:
    df = synthetic_samples(n_rungs=4, n_items=400, metrics={"x/r": "rate"}, epochs={"production": 4}, seed=3)
    c = compare(df, specs={}, n_boot=300)
    (nc,) = c.noise
    assert nc.rung == "production" and nc.n_epochs == 4 and len(nc.pair_diffs) == 6
    assert nc.band > 0 and nc.gap_rung == "sft" and nc.gap == c.difference("x/r", "sft", "production").diff
    est = {e.rung: e for e in c.estimates}
    assert est["production"].method == "bootstrap" and est["production"].n_values == 1600
    assert est["production"].low < est["production"].value < est["production"].high
    assert {r.name: r.epochs for r in c.rungs}["production"] == 4


def test_explicit_pairs_by_rung_or_stage() -> None:
    df = synthetic_samples(n_rungs=5, n_items=60, metrics={"x/r": "rate"})
    c = compare(df, pairs=[("base", "sft")], specs={}, n_boot=100)
    assert c.main_pair == ("base", "sft")
    assert ("sft", "production") in c.pairs and ("rl-2", "production") in c.pairs
    c2 = compare(df, pairs=[("preference", "prod")], specs={}, n_boot=100)
    assert c2.main_pair == ("preference-1", "production")
    with pytest.raises(CompareError, match="no rung or stage 'nope'"):
        compare(df, pairs=[("nope", "sft")], specs={}, n_boot=100)
    with pytest.raises(CompareError, match="itself"):
        compare(df, pairs=[("sft", "sft")], specs={}, n_boot=100)


def test_missing_columns_is_a_clear_error() -> None:
    with pytest.raises(CompareError, match="lacks column"):
        compare(pd.DataFrame({"rung": ["a"]}))


def test_seeded_and_deterministic() -> None:
    df = synthetic_samples(n_rungs=3, n_items=80, seed=1)
    a, b = compare(df, n_boot=200, seed=5), compare(df, n_boot=200, seed=5)
    assert [(x.low, x.high) for x in a.differences] == [(y.low, y.high) for y in b.differences]
    c = compare(df, n_boot=200, seed=6)
    assert [x.low for x in a.differences] != [y.low for y in c.differences]


def test_no_events_on_few_items_is_not_equivalent() -> None:
    """0/24 on both rungs: the bootstrap would say [0, 0]; Newcombe's interval keeps it honest."""
    df = pd.concat([_rows("sft", "sft", 0, [0.0] * 24), _rows("prod", "production", 1, [0.0] * 24)])
    d = compare(df, specs={}, n_boot=300).difference("b/m", "sft", "prod")
    assert d.ci_method == "newcombe"
    assert d.low == pytest.approx(-0.138, abs=1e-3) and d.high == pytest.approx(0.138, abs=1e-3)
    assert d.verdict == "inconclusive" and d.p_tost > 0.05
    # With 2,000 items and still no events, equivalence at +-5 points is shown.
    df = pd.concat([_rows("sft", "sft", 0, [0.0] * 2000), _rows("prod", "production", 1, [0.0] * 2000)])
    assert compare(df, specs={}, n_boot=300).difference("b/m", "sft", "prod").verdict == "equivalent"
