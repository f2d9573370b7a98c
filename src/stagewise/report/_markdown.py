"""The Markdown twin of the HTML report (tables, plots referenced as SVG files beside it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from stagewise.compare import Comparison, fmt_interval, fmt_margin, fmt_value, summary, verdict_text


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def _table(head: list[str], rows: list[list[str]]) -> str:
    return "\n".join([_row(head), _row(["---"] * len(head))] + [_row(r) for r in rows])


def markdown(title: str, c: Comparison, plot_files: dict[str, str], judges: list[dict[str, Any]],
             total_items: int, warnings: Sequence[str] = ()) -> str:  # fmt: skip
    """The report as Markdown; `plot_files` maps plot names to relative SVG paths."""
    infos = {m.id: m for m in c.metrics}
    noise = {n.metric: n for n in c.noise}
    out = [f"# {title}", "", *(f"> **Warning:** {w}" for w in warnings), *([""] if warnings else []), summary(c), ""]
    pairs = list(dict.fromkeys(([c.main_pair] if c.main_pair else []) + [p for p in c.pairs if p != c.main_pair]))
    for a, b in pairs:
        rows = []
        share = {x.metric: x for x in c.attribution if x.rung == a}
        for d in (d for d in c.differences if (d.a, d.b) == (a, b)):
            m = infos[d.metric]
            nc = noise.get(d.metric) if b == c.production else None
            sh = share.get(d.metric)
            rows.append([
                d.metric, fmt_value(d.diff, m.kind, True), fmt_interval(d.low, d.high, m.kind, True), fmt_margin(m),
                f"{d.p_tost_holm:.3g}", f"{d.p_difference_holm:.3g}",
                "–" if nc is None else f"±{fmt_value(nc.band, m.kind)}",
                "–" if sh is None else (f"{100 * sh.share:.0f}%" if sh.defined else "undefined"),
                verdict_text(d, m),
            ])  # fmt: skip
        out += [f"## {a} − {b}", ""]
        if f"forest {a} {b}" in plot_files:
            out += [f"![{a} − {b}]({plot_files[f'forest {a} {b}']})", ""]
        out += [_table(["metric", "gap", "95% CI", "margin", "p TOST (Holm)", "p diff (Holm)", "noise band",
                        f"{a} share", "verdict"], rows), ""]  # fmt: skip
    est = {(e.metric, e.rung): e for e in c.estimates}
    rows = [[m.id] + [("–" if (e := est.get((m.id, r.name))) is None else
                       f"{fmt_value(e.value, m.kind)} {fmt_interval(e.low, e.high, m.kind)}") for r in c.rungs]
            for m in c.metrics]  # fmt: skip
    out += ["## Per-rung estimates (95% intervals; rates in %)", "", _table(["metric"] + [r.name for r in c.rungs], rows), ""]
    out += [f"![{k}]({v})" for k, v in plot_files.items() if k.startswith("ladder")] + [""]
    rows = [[x.metric, x.rung, f"{100 * x.share:.0f}%", f"[{100 * x.low:.0f}%, {100 * x.high:.0f}%]",
             "yes" if x.defined else f"no: {x.reason}"] for x in c.attribution]  # fmt: skip
    out += ["## Stage attribution", "", f"![attribution]({plot_files.get('attribution', '')})", "",
            _table(["metric", "rung", "share of base→production", "95% CI", "defined"], rows), ""]  # fmt: skip
    out += ["## Judge agreement", ""]
    if judges:
        out.append(_table(["judge", "benchmark", "n", "accuracy", "kappa"],
                          [[j["judge"], j["benchmark"], str(j["n"]), f"{100 * j['accuracy']:.1f}%",
                            f"{j['kappa']:.3f}"] for j in judges]))  # fmt: skip
    else:
        out.append("No `results/judges.json`; run `stagewise judges validate`.")
    rows = [[g.metric, f"{g.a} vs {g.b}", str(g.n_items), f"{100 * g.percent:.1f}%", f"{g.kappa:.3f}",
             str(len(g.disagreements))] for g in c.agreement]  # fmt: skip
    out += ["", "## Item agreement", "", _table(["metric", "pair", "items", "agreement", "kappa", "disagree"], rows),
            "", f"{total_items:,} disagreeing items are listed with prompts and responses in `report_items.csv`.", ""]
    return "\n".join(out)
