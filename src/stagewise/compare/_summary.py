"""Numbers and verdicts in words, shared by the CLI table and the report."""

from __future__ import annotations

import math

from stagewise.compare._types import Comparison, Difference, MetricInfo


def fmt_value(x: float | None, kind: str, signed: bool = False) -> str:
    """A value on its metric's scale: rates as percent (points for differences), means to 3 places."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if kind == "rate":
        return f"{100 * x:+.1f}" if signed else f"{100 * x:.1f}"
    return f"{x:+.3f}" if signed else f"{x:.3f}"


def fmt_interval(low: float, high: float, kind: str, signed: bool = False) -> str:
    """`[low, high]` on the metric's scale."""
    return f"[{fmt_value(low, kind, signed)}, {fmt_value(high, kind, signed)}]"


def fmt_margin(info: MetricInfo) -> str:
    """The margin in words: `±5 points` for rates, `±0.050` for means."""
    return f"±{100 * info.margin:g} points" if info.kind == "rate" else f"±{info.margin:g}"


def fmt_items(n: float | None) -> str:
    """`~1,200` items, rounded to two significant figures."""
    if n is None or math.isnan(n):
        # NaN: the paired differences have no spread yet (no item disagrees), so power cannot size it
        return "an unknown number of"
    if math.isinf(n):
        return "unreachable"
    if n <= 0:
        return "a few"
    digits = max(0, len(str(int(n))) - 2)
    return f"~{int(round(n, -digits)):,}"


def needed_text(n: float | None) -> str:
    """What an inconclusive verdict still needs, for a table cell: `~96 more items`."""
    if n is not None and math.isinf(n):
        return "out of reach at this gap"
    return f"{fmt_items(n)} more items"


def verdict_text(d: Difference, info: MetricInfo) -> str:
    """One verdict in words, e.g. `inconclusive — need ~1,200 more items`."""
    if d.verdict != "inconclusive":
        return d.verdict
    if d.items_needed is None or (isinstance(d.items_needed, float) and math.isnan(d.items_needed)):
        return "inconclusive"
    if math.isinf(d.items_needed):
        return "inconclusive — equivalence out of reach at this gap"
    return f"inconclusive — need {fmt_items(d.items_needed)} more items to show {d.needed_for}"


def summary(c: Comparison) -> str:
    """One paragraph stating the main pair's verdicts in words."""
    if c.main_pair is None:
        return "Only one rung: nothing to compare."
    a, b = c.main_pair
    infos = {m.id: m for m in c.metrics}
    diffs = [d for d in c.differences if (d.a, d.b) == (a, b)]
    n = len(diffs)
    eq = [d for d in diffs if d.verdict == "equivalent"]
    diff = [d for d in diffs if d.verdict == "different"]
    inc = [d for d in diffs if d.verdict == "inconclusive"]
    margins = {fmt_margin(infos[d.metric]) for d in diffs}
    margin = f"the {margins.pop()} margin" if len(margins) == 1 else "its equivalence margin"
    parts = [f"{a} is within {margin} of {b} on {len(eq)} of {n} metrics (TOST, Holm-corrected across {n} metrics)."]
    if diff:
        names = ", ".join(f"{d.metric} ({fmt_value(d.diff, infos[d.metric].kind, True)})" for d in diff)
        parts.append(f"It differs on {len(diff)}: {names}.")
    if inc:
        need = [d.items_needed for d in inc if d.items_needed is not None and math.isfinite(d.items_needed)]
        more = f"; the closest would need {fmt_items(min(need))} more items" if need else ""
        parts.append(f"{len(inc)} {'is' if len(inc) == 1 else 'are'} inconclusive{more}.")
    within = [x for x in c.noise if x.gap_within_noise is not None]
    if within:
        k = sum(bool(x.gap_within_noise) for x in within)
        parts.append(
            f"On {k} of {len(within)} metrics with repeated production runs, the {a}–{b} gap is within "
            f"production's own run-to-run noise."
        )
    if c.sft is not None:
        att = [x for x in c.attribution if x.rung == c.sft]
        defined = [x for x in att if x.defined]
        if defined:
            med = sorted(x.share for x in defined)[len(defined) // 2]
            parts.append(
                f"{c.sft} already reaches a median {100 * med:.0f}% of the base-to-production shift "
                f"({len(defined)} of {len(att)} metrics where that shift exceeds noise)."
            )
    return " ".join(parts)
