"""Matplotlib figures of a Comparison, returned as inline SVG text (no files, no external assets).

Plotting is kept apart from computing: every function takes a finished Comparison.
"""

from __future__ import annotations

import io
import math

import numpy as np

from stagewise.compare import Comparison, MetricInfo

STAGE_COLORS = {
    "base": "#8c8c8c", "sft": "#1f77b4", "preference": "#9467bd", "rl": "#d62728",
    "production": "#111111", "other": "#bcbd22",
}  # fmt: skip
VERDICT_COLORS = {"equivalent": "#2e7d32", "different": "#c62828", "inconclusive": "#b26a00"}


def _plt():  # type: ignore[no-untyped-def]
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({
        "svg.fonttype": "none", "font.family": "sans-serif", "font.size": 9, "axes.spines.top": False,
        "axes.spines.right": False, "axes.titlesize": 10, "axes.titleweight": "bold", "svg.hashsalt": "stagewise",
    })  # fmt: skip
    return plt


def placeholder(what: str) -> str:
    """A small inline SVG that stands in for a plot when matplotlib is not installed."""
    from html import escape

    text = escape(f"{what} not drawn: pip install 'stagewise[report]' (matplotlib)")
    return ('<svg xmlns="http://www.w3.org/2000/svg" width="520" height="28" viewBox="0 0 520 28">'
            f'<text x="4" y="18" font-family="sans-serif" font-size="11" fill="#666">{text}</text></svg>')


def _svg(fig) -> str:  # type: ignore[no-untyped-def]
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    _plt().close(fig)
    text = buf.getvalue()
    return text[text.index("<svg") :]  # drop the XML prolog and DOCTYPE: the SVG goes inline


def _scale(info: MetricInfo) -> float:
    return 100.0 if info.kind == "rate" else 1.0


def ladder_plot(c: Comparison, metric: str) -> str:
    """Value per rung with its interval, and production +- margin shaded."""
    plt = _plt()
    info = next(m for m in c.metrics if m.id == metric)
    k = _scale(info)
    est = {e.rung: e for e in c.estimates if e.metric == metric}
    rungs = [r for r in c.rungs if r.name in est]
    fig, ax = plt.subplots(figsize=(3.6, 2.5), layout="constrained")
    prod = est.get(c.production)
    if prod is not None and not math.isnan(prod.value):
        ax.axhspan(k * (prod.value - info.margin), k * (prod.value + info.margin), color="#e8eef7", zorder=0,
                   label=f"production ± margin")  # fmt: skip
    # One artist per kind (not one errorbar per rung): SVG output time scales with artists.
    xs = np.arange(len(rungs))
    vals = np.array([k * est[r.name].value for r in rungs])
    colors = [STAGE_COLORS.get(r.stage, "#444") for r in rungs]
    ax.vlines(xs, [k * est[r.name].low for r in rungs], [k * est[r.name].high for r in rungs], colors=colors, lw=1.6)
    ax.scatter(xs, vals, c=colors, s=28, zorder=3)
    ax.plot(range(len(rungs)), [k * est[r.name].value for r in rungs], color="#999", lw=0.8, zorder=0)
    ax.set_xticks(range(len(rungs)), [r.name for r in rungs], rotation=30 if len(rungs) > 4 else 0, ha="right"
                  if len(rungs) > 4 else "center")  # fmt: skip
    ax.set_ylabel("%" if info.kind == "rate" else "mean")
    ax.set_title(metric, loc="left")
    ax.grid(axis="y", color="#eee")
    return _svg(fig)


def forest_plot(c: Comparison, pair: tuple[str, str]) -> str:
    """Gap `a - b` per metric with its interval, the +-margin band and the noise band."""
    plt = _plt()
    a, b = pair
    diffs = [d for d in c.differences if (d.a, d.b) == pair]
    infos = {m.id: m for m in c.metrics}
    noise = {n.metric: n for n in c.noise if b == c.production}
    fig, ax = plt.subplots(figsize=(9.5, 0.45 * len(diffs) + 1.3), layout="constrained")
    for y, d in enumerate(reversed(diffs)):
        k = 100.0  # rates in points; means (on [0, 1]) also x100 so all rows share an axis
        ax.add_patch(plt.Rectangle((-k * d.margin, y - 0.38), 2 * k * d.margin, 0.76, color="#e8eef7", lw=0))
        nc = noise.get(d.metric)
        if nc is not None and nc.band > 0:
            ax.add_patch(plt.Rectangle((-k * nc.band, y - 0.38), 2 * k * nc.band, 0.76, color="#c9d3e3", lw=0,
                                       hatch="////", fill=False, ec="#9fb0c9"))  # fmt: skip
        color = VERDICT_COLORS[d.verdict]
        ax.plot([k * d.low, k * d.high], [y, y], color=color, lw=2)
        ax.plot([k * d.low90, k * d.high90], [y, y], color=color, lw=4.5, alpha=0.45, solid_capstyle="butt")
        ax.plot([k * d.diff], [y], "o", color=color, markersize=6)
    ax.axvline(0, color="#555", lw=0.8)
    ax.set_yticks(range(len(diffs)), [f"{d.metric}{'' if infos[d.metric].kind == 'rate' else ' (×100)'}"
                                      for d in reversed(diffs)])  # fmt: skip
    ax.set_ylim(-0.7, len(diffs) - 0.3)
    lim = max([100 * max(abs(d.low), abs(d.high), d.margin) for d in diffs if not math.isnan(d.low)] + [1]) * 1.15
    ax.set_xlim(-lim, lim)
    ax.set_xlabel(f"{a} − {b} (percentage points)")
    ax.set_title(f"{a} − {b}: gap, 95% (thin) and 90% (thick) intervals", loc="left")
    handles = [
        plt.Rectangle((0, 0), 1, 1, color="#e8eef7", label="± equivalence margin"),
        plt.Rectangle((0, 0), 1, 1, fill=False, hatch="////", ec="#9fb0c9", label="production run-to-run noise"),
    ] + [plt.Line2D([], [], color=v, marker="o", lw=2, label=k) for k, v in VERDICT_COLORS.items()]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, fontsize=8)
    ax.grid(axis="x", color="#eee")
    return _svg(fig)


def attribution_plot(c: Comparison) -> str:
    """Share of the base -> production shift reached at each rung, per metric; undefined ones greyed."""
    plt = _plt()
    metrics = [m.id for m in c.metrics]
    rungs = [r for r in c.rungs if r.name not in (c.base, c.production)]
    att = {(x.metric, x.rung): x for x in c.attribution}
    fig, ax = plt.subplots(figsize=(9.5, 0.5 * len(metrics) * max(1, len(rungs)) ** 0.5 + 1.2), layout="constrained")
    h = 0.8 / max(1, len(rungs))
    for i, m in enumerate(reversed(metrics)):
        for j, r in enumerate(rungs):
            x = att.get((m, r.name))
            if x is None:
                continue
            y = i + 0.4 - (j + 0.5) * h
            color = STAGE_COLORS.get(r.stage, "#444") if x.defined else "#d0d0d0"
            share = 100 * x.share if math.isfinite(x.share) else 0.0
            ax.barh(y, share if x.defined else 0, height=h * 0.9, color=color, label=r.name if i == 0 else None)
            if x.defined:
                ax.errorbar([share], [y], xerr=[[share - 100 * x.low], [100 * x.high - share]], fmt="none",
                            ecolor="#333", capsize=2, lw=0.9)  # fmt: skip
            elif j == 0:
                ax.text(2, i, "undefined: base→production shift within noise", va="center", fontsize=8, color="#777")
    ax.axvline(0, color="#555", lw=0.8)
    ax.axvline(100, color="#555", lw=0.8, ls="--")
    ax.set_yticks(range(len(metrics)), list(reversed(metrics)))
    ax.set_xlabel("% of the base → production shift reached")
    ax.set_title("Stage attribution", loc="left")
    if att:
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False, fontsize=8)
    else:
        why = "no base rung in the ladder" if c.base is None else "no rung between base and production"
        ax.text(50, (len(metrics) - 1) / 2, f"no attribution: {why}", ha="center", va="center", color="#777")
    lows = [100 * x.low for x in att.values() if x.defined and math.isfinite(x.low)]
    highs = [100 * x.high for x in att.values() if x.defined and math.isfinite(x.high)]
    ax.set_xlim(max(-150, min([-5.0] + lows) - 5), min(300, max([130.0] + highs) + 5))
    ax.grid(axis="x", color="#eee")
    return _svg(fig)
