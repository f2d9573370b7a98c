"""Which rungs play which role, which pairs to compare, metric metadata, the noise ceiling."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np

from stagewise.compare import _stats as st
from stagewise.compare._table import CompareError, MetricData
from stagewise.compare._types import MetricInfo, NoiseCeiling

DEFAULT_MARGIN = 0.05


def roles(lad: Sequence[tuple[str, str, int]]) -> tuple[str | None, str | None, str]:
    """(base, sft, production): first `base` rung, first `sft` rung, last `production` rung
    (or the last rung when no rung has stage production)."""
    base = next((n for n, s, _ in lad if s == "base"), None)
    sft = next((n for n, s, _ in lad if s == "sft"), None)
    prods = [n for n, s, _ in lad if s == "production"]
    return base, sft, (prods[-1] if prods else lad[-1][0])


def resolve_rung(token: str, lad: Sequence[tuple[str, str, int]]) -> str:
    """A rung name, or a stage name (first rung of it; `production`/`prod`: the production rung)."""
    names = [n for n, _, _ in lad]
    if token in names:
        return token
    base, sft, prod = roles(lad)
    if token in ("production", "prod"):
        return prod
    stage = next((n for n, s, _ in lad if s == token), None)
    if stage is None:
        raise CompareError(f"no rung or stage {token!r} in the results; rungs: {', '.join(names)}")
    return stage


def resolve_pairs(
    lad: Sequence[tuple[str, str, int]],
    requested: Sequence[tuple[str, str]],
    base: str | None,
    sft: str | None,
    prod: str,
) -> tuple[tuple[str, str] | None, list[tuple[str, str]], list[tuple[str, str]]]:
    """(main pair, explicit pairs, all pairs). All pairs: main, explicit, then every rung vs production.

    The main pair is the first explicit pair, else SFT vs production, else the rung just
    before production vs production (None for a one-rung ladder).
    """
    explicit = []
    for a, b in requested:
        pa, pb = resolve_rung(a, lad), resolve_rung(b, lad)
        if pa == pb:
            raise CompareError(f"pair {a}:{b} compares rung {pa!r} with itself; name two different rungs")
        explicit.append((pa, pb))
    names = [n for n, _, _ in lad]
    main: tuple[str, str] | None = explicit[0] if explicit else None
    if main is None and sft is not None and sft != prod:
        main = (sft, prod)
    if main is None and len(names) > 1:
        before = [n for n in names[: names.index(prod)]] or [n for n in names if n != prod]
        main = (before[-1], prod)
    pairs = ([main] if main else []) + explicit + [(n, prod) for n in names if n != prod]
    return main, explicit, list(dict.fromkeys(pairs))


def metric_info(
    metric_id: str, binary: bool, margins: Mapping[str, float], specs: Mapping[str, object] | None
) -> MetricInfo:
    """Metric metadata from its MetricSpec (kind, safer direction, default margin) and the study's margin."""
    benchmark, _, metric = metric_id.partition("/")
    spec = (specs if specs is not None else _default_specs()).get(metric_id)
    kind: Literal["rate", "mean"] = getattr(spec, "kind", "rate" if binary else "mean")
    safer: Literal["lower", "higher"] = getattr(spec, "safer", "lower")
    default = float(getattr(spec, "margin", DEFAULT_MARGIN))
    margin = margins.get(metric_id)
    if margin is not None and not margin > 0:
        raise CompareError(f"margin for {metric_id} must be > 0 (got {margin}); fix `margins:` in the study file")
    return MetricInfo(
        id=metric_id, benchmark=benchmark, metric=metric, kind=kind, safer=safer,
        margin=float(margin) if margin is not None else default,
        margin_source="study" if margin is not None else "default",
        description=str(getattr(spec, "description", "")),
    )  # fmt: skip


def _default_specs() -> dict[str, object]:
    from stagewise.evals import BENCHMARKS

    return {f"{b}/{m.name}": m for b, info in BENCHMARKS.items() for m in info.metrics}


def noise_ceiling(table: MetricData, info: MetricInfo, r: int, confidence: float) -> NoiseCeiling | None:
    """Run-to-run differences of rung row `r` across its epochs (None with fewer than 2 epochs).

    The band is z times the standard error of one epoch-vs-epoch difference, estimated from
    the item-level differences of every epoch pair: a fresh run of production would differ
    from another by less than the band 95% of the time.
    """
    vals = table.values[r]
    have = [e for e in range(vals.shape[0]) if (~np.isnan(vals[e])).any()]
    if len(have) < 2:
        return None
    diffs, variances = [], []
    for j, k in itertools.combinations(have, 2):
        ok = ~np.isnan(vals[j]) & ~np.isnan(vals[k])
        n = int(ok.sum())
        if n < 2:
            continue
        d = vals[j, ok] - vals[k, ok]
        diffs.append(float(d.mean()))
        variances.append(float(d.var(ddof=1)) / n)
    if not diffs:
        return None
    sd = math.sqrt(float(np.mean(variances)))
    return NoiseCeiling(
        metric=info.id, rung=table.rungs[r], n_epochs=len(have), pair_diffs=tuple(diffs),
        mean_abs=float(np.mean(np.abs(diffs))), sd=sd, band=st.z_value(confidence) * sd,
        gap_rung=None, gap=None, gap_within_noise=None,
    )  # fmt: skip
