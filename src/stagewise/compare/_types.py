"""The frozen results of a comparison. Differences are always `a - b` on the metric's scale."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Verdict = Literal["equivalent", "different", "inconclusive"]


@dataclass(frozen=True)
class MetricInfo:
    """One metric of the study: `id` is `benchmark/metric`, e.g. `xstest/over_refusal`."""

    id: str
    benchmark: str
    metric: str
    kind: Literal["rate", "mean"]
    safer: Literal["lower", "higher"]
    margin: float
    margin_source: Literal["study", "default"]
    description: str = ""


@dataclass(frozen=True)
class RungInfo:
    """A rung as the comparison saw it."""

    name: str
    stage: str
    index: int
    epochs: int


@dataclass(frozen=True)
class Estimate:
    """A rung's value on a metric with its interval."""

    metric: str
    rung: str
    value: float
    low: float
    high: float
    method: Literal["wilson", "bootstrap", "none"]
    n_items: int
    n_values: int
    n_unscored: int


@dataclass(frozen=True)
class Difference:
    """The paired difference `a - b` on the items both rungs scored, with TOST and verdict."""

    metric: str
    a: str
    b: str
    diff: float
    low: float
    high: float
    low90: float
    high90: float
    se: float
    n_items: int
    p_difference: float
    p_method: Literal["mcnemar-exact", "bootstrap"]
    margin: float
    p_tost: float
    p_difference_holm: float
    p_tost_holm: float
    verdict: Verdict
    items_needed: float | None  # more items (beyond n_items) for 80% power; None if conclusive
    needed_for: Literal["equivalence", "difference"] | None
    discordant: tuple[int, int] | None = None  # (a=1,b=0), (a=0,b=1) for binary data
    ci_method: Literal["newcombe", "bootstrap"] = "bootstrap"  # newcombe: paired 0/1, one epoch


@dataclass(frozen=True)
class NoiseCeiling:
    """How much the production rung differs from itself across repeated epochs."""

    metric: str
    rung: str
    n_epochs: int
    pair_diffs: tuple[float, ...]  # epoch j minus epoch k, for every j < k
    mean_abs: float
    sd: float  # standard error of one run-vs-run difference, from item-level variation
    band: float  # +- band that holds 95% of run-vs-run differences (normal approximation)
    gap_rung: str | None
    gap: float | None  # gap_rung minus production
    gap_within_noise: bool | None


@dataclass(frozen=True)
class Attribution:
    """Share of the base -> production shift reached at `rung` (0 = at base, 1 = production)."""

    metric: str
    rung: str
    share: float
    low: float
    high: float
    shift: float  # production minus base
    defined: bool
    reason: str = ""


@dataclass(frozen=True)
class Agreement:
    """Item-level agreement between two rungs on a rate metric."""

    metric: str
    a: str
    b: str
    n_items: int
    percent: float
    kappa: float
    disagreements: tuple[tuple[str, float, float], ...] = field(default=())  # (item, a, b)


@dataclass(frozen=True)
class Settings:
    """How the numbers were computed."""

    n_boot: int
    seed: int
    confidence: float
    alpha: float
    power: float
    correction: str = "holm"


@dataclass(frozen=True)
class Comparison:
    """Everything `stagewise compare` computes for a study."""

    rungs: tuple[RungInfo, ...]
    base: str | None
    sft: str | None
    production: str
    main_pair: tuple[str, str] | None
    chosen_pairs: tuple[tuple[str, str], ...]  # the pairs asked for explicitly (--pair)
    pairs: tuple[tuple[str, str], ...]  # every pair compared: main, chosen, every rung vs production
    metrics: tuple[MetricInfo, ...]
    estimates: tuple[Estimate, ...]
    differences: tuple[Difference, ...]
    noise: tuple[NoiseCeiling, ...]
    attribution: tuple[Attribution, ...]
    agreement: tuple[Agreement, ...]
    settings: Settings

    def difference(self, metric: str, a: str, b: str) -> Difference:
        """The difference `a - b` on `metric`."""
        for d in self.differences:
            if d.metric == metric and d.a == a and d.b == b:
                return d
        raise KeyError(f"no difference {a} - {b} on {metric}")

    def verdicts(self, pair: tuple[str, str] | None = None) -> dict[str, Verdict]:
        """Verdict per metric for `pair` (default: the main pair)."""
        a, b = pair or self.main_pair or (None, None)
        return {d.metric: d.verdict for d in self.differences if d.a == a and d.b == b}
