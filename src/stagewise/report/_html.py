"""The self-contained HTML page: inline CSS, inline SVG plots, a few lines of inline JS. Opens offline."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from stagewise.compare import Comparison, fmt_interval, fmt_items, fmt_margin, fmt_value, summary, verdict_text

_CSS = """
:root{--ink:#1d2330;--muted:#5b6475;--line:#e3e7ee;--bg:#fbfcfe;--eq:#2e7d32;--diff:#c62828;--inc:#b26a00}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--ink);
font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1120px;margin:0 auto;padding:32px 28px 64px}
h1{font-size:28px;margin:0 0 4px;letter-spacing:-.01em}h2{font-size:20px;margin:40px 0 10px;
padding-bottom:6px;border-bottom:1px solid var(--line)}h3{font-size:15px;margin:18px 0 6px}
.sub{color:var(--muted);margin:0 0 20px}.warn{background:#fff4e5;border:1px solid #f0b45a;border-radius:8px;padding:8px 12px;margin:0 0 12px}.summary{background:#fff;border:1px solid var(--line);
border-left:4px solid #3b6fd8;border-radius:8px;padding:16px 20px;font-size:16px}
.chips{display:flex;gap:10px;margin:14px 0 0;flex-wrap:wrap}.chip{border-radius:999px;padding:3px 12px;
font-size:13px;font-weight:600;color:#fff}.equivalent{background:var(--eq)}.different{background:var(--diff)}
.inconclusive{background:var(--inc)}table{border-collapse:collapse;width:100%;background:#fff;font-size:13.5px;
border:1px solid var(--line);border-radius:8px;overflow:hidden}th,td{padding:7px 10px;text-align:right;
border-bottom:1px solid var(--line);vertical-align:top}th{background:#f3f5f9;font-weight:600}
td:first-child,th:first-child{text-align:left}td.v,th.v{text-align:left;min-width:150px}.dim{color:var(--muted);
font-size:12px}.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(330px,1fr));gap:14px}
figure{margin:0;background:#fff;border:1px solid var(--line);border-radius:8px;padding:8px}
figure svg{width:100%;height:auto}.wide svg{max-width:100%;height:auto}
.note{color:var(--muted);font-size:13.5px}input[type=search]{width:100%;padding:9px 12px;font-size:15px;
border:1px solid #c9d0dc;border-radius:8px;margin:6px 0 12px}.card{background:#fff;border:1px solid var(--line);
border-radius:8px;padding:12px 14px;margin:0 0 12px}.card .head{display:flex;gap:12px;align-items:baseline;
flex-wrap:wrap}.prompt{white-space:pre-wrap;background:#f6f7fa;border-radius:6px;padding:8px 10px;margin:8px 0}
.resp{display:grid;grid-template-columns:repeat(auto-fit,minmax(240px,1fr));gap:10px}
.resp div{border:1px solid var(--line);border-radius:6px;padding:8px;font-size:13px;white-space:pre-wrap;
max-height:220px;overflow:auto}.resp b{display:block;margin-bottom:4px}.lab{display:inline-block;
background:#eef1f6;border-radius:4px;padding:0 6px;margin:2px 4px 0 0;font-size:12px}
table.matrix .chip{font-size:11px;padding:2px 8px}table.conf{width:auto;border:0;font-size:12px}table.conf th,table.conf td{padding:2px 8px;border:0;
background:none;text-align:right}.resp div.pair{border-color:#8fa8d8;background:#f7f9fe}
code{background:#f0f2f6;padding:1px 5px;border-radius:4px;font-size:13px}
"""

_JS = """
const box=document.getElementById('filter');const cards=[...document.querySelectorAll('.card')];
const shown=document.getElementById('shown');
box&&box.addEventListener('input',()=>{const q=box.value.toLowerCase();let n=0;
cards.forEach(c=>{const hit=!q||c.textContent.toLowerCase().includes(q);c.style.display=hit?'':'none';n+=hit});
shown.textContent=n;});
"""


def _e(x: Any) -> str:
    return html.escape(str(x))


def _verdict_table(c: Comparison, pair: tuple[str, str], judges: list[dict[str, Any]]) -> str:
    a, b = pair
    infos = {m.id: m for m in c.metrics}
    noise = {n.metric: n for n in c.noise}
    share = {x.metric: x for x in c.attribution if x.rung == a}
    kappa = {j["benchmark"]: j for j in judges}
    rows = []
    for d in (d for d in c.differences if (d.a, d.b) == pair):
        m = infos[d.metric]
        nc = noise.get(d.metric) if b == c.production else None
        sh = share.get(d.metric)
        j = kappa.get(m.benchmark)
        jk = "–" if j is None else f"{j['kappa']:.2f}"
        rows.append(
            f"<tr><td>{_e(d.metric)}<div class=dim>{_e(m.description)}</div></td>"
            f"<td>{fmt_value(d.diff, m.kind, True)}<div class=dim>{fmt_interval(d.low, d.high, m.kind, True)}</div></td>"
            f"<td>{_e(fmt_margin(m))}<div class=dim>{m.margin_source}</div></td>"
            f"<td>{d.p_tost_holm:.3g}</td><td>{d.p_difference_holm:.3g}<div class=dim>{d.p_method}</div></td>"
            f"<td>{'–' if nc is None else '±' + fmt_value(nc.band, m.kind)}"
            f"<div class=dim>{'' if nc is None else ('gap within noise' if nc.gap_within_noise else 'gap exceeds noise')}</div></td>"
            f"<td>{'–' if sh is None else (f'{100 * sh.share:.0f}%' if sh.defined else 'undefined')}</td>"
            + (f"<td>{jk}<div class=dim>{'' if j is None else _e(j['judge'])}</div></td>" if judges else "")
            + f"<td class=v><span class='chip {d.verdict}'>{d.verdict}</span>"
            f"<div class=dim>{_e(verdict_text(d, m).partition(' — ')[2])}</div></td></tr>"
        )
    head = (f"<tr><th>metric</th><th>{_e(a)} − {_e(b)}<div class=dim>95% CI</div></th><th>margin</th>"
            "<th>p TOST<div class=dim>Holm</div></th><th>p difference<div class=dim>Holm</div></th>"
            f"<th>production noise<div class=dim>95% band</div></th><th>{_e(a)} share<div class=dim>of base→prod</div></th>"
            "" + ("<th>judge κ<div class=dim>vs humans</div></th>" if judges else "") + "<th class=v>verdict</th></tr>")  # fmt: skip
    return f"<table>{head}{''.join(rows)}</table>"


def _ladder_verdicts(c: Comparison) -> str:
    """Metric x rung matrix of each rung's verdict against production."""
    rungs = [r.name for r in c.rungs if r.name != c.production]
    by = {(d.metric, d.a): d for d in c.differences if d.b == c.production}
    infos = {m.id: m for m in c.metrics}
    head = "<tr><th>metric</th>" + "".join(f"<th class=v>{_e(r)}</th>" for r in rungs) + "</tr>"
    rows = []
    for m in c.metrics:
        cells = []
        for r in rungs:
            d = by.get((m.id, r))
            cells.append("<td class=v>–</td>" if d is None else
                         f"<td class=v><span class='chip {d.verdict}'>{d.verdict}</span>"
                         f"<div class=dim>{fmt_value(d.diff, infos[m.id].kind, True)}</div></td>")  # fmt: skip
        rows.append(f"<tr><td>{_e(m.id)}</td>{''.join(cells)}</tr>")
    return f"<table class=matrix>{head}{''.join(rows)}</table>"


def _estimates_table(c: Comparison) -> str:
    est = {(e.metric, e.rung): e for e in c.estimates}
    head = "<tr><th>metric</th>" + "".join(f"<th>{_e(r.name)}<div class=dim>{_e(r.stage)}</div></th>" for r in c.rungs)
    rows = []
    for m in c.metrics:
        cells = []
        for r in c.rungs:
            e = est.get((m.id, r.name))
            cells.append("<td>–</td>" if e is None else f"<td>{fmt_value(e.value, m.kind)}<div class=dim>"
                         f"{fmt_interval(e.low, e.high, m.kind)} n={e.n_items}</div></td>")  # fmt: skip
        rows.append(f"<tr><td>{_e(m.id)}<div class=dim>{m.kind}, {m.safer} is safer</div></td>{''.join(cells)}</tr>")
    return f"<table>{head}</tr>{''.join(rows)}</table>"


def _judges_table(judges: list[dict[str, Any]]) -> str:
    if not judges:
        return ("<p class=note>No judge validation found (<code>results/judges.json</code>). Run "
                "<code>stagewise judges validate</code> to measure each judge against human labels.</p>")  # fmt: skip
    rows = []
    for j in judges:
        labels, matrix = j["confusion"]["labels"], j["confusion"]["matrix"]
        conf = ("<table class=conf><tr><th>human ↓ judge →</th>" + "".join(f"<th>{_e(x)}</th>" for x in labels)
                + "</tr>" + "".join(f"<tr><th>{_e(lab)}</th>" + "".join(f"<td>{v}</td>" for v in row) + "</tr>"
                                    for lab, row in zip(labels, matrix)) + "</table>")  # fmt: skip
        rows.append(f"<tr><td>{_e(j['judge'])}</td><td class=v>{_e(j['benchmark'])}</td><td>{j['n']}</td>"
                    f"<td>{100 * j['accuracy']:.1f}%</td><td>{j['kappa']:.3f}</td><td class=v>{conf}</td></tr>")  # fmt: skip
    head = ("<tr><th>judge</th><th class=v>benchmark</th><th>n</th><th>accuracy</th><th>Cohen's κ</th>"
            "<th class=v>confusion</th></tr>")
    return f"<table>{head}{''.join(rows)}</table>"


def _item_value(x: float) -> str:
    return f"{x:.0f}" if float(x).is_integer() else f"{x:.2f}"


def _cards(items: list[dict[str, Any]], total: int) -> str:
    out = []
    for it in items:
        pair = (it["a"], it["b"])
        rungs = sorted(it["rungs"], key=lambda r: (r["rung"] not in pair, pair.index(r["rung"]) if r["rung"] in pair else 0))
        resp = "".join(
            f"<div class={'pair' if r['rung'] in pair else 'other'}><b>{_e(r['rung'])}</b>"
            f"{''.join(f'<span class=lab>{_e(k)}: {_e(v)}</span>' for k, v in r['labels'].items())}"
            f"<p>{_e(r['response'])}</p></div>"
            for r in rungs
        ) or "<div class=dim>no text in the logs for this item</div>"
        out.append(
            f"<div class=card><div class=head><b>{_e(it['item_id'])}</b><span class=dim>{_e(it['metric'])}</span>"
            f"<span class=lab>{_e(it['a'])} = {_item_value(it['value_a'])}</span>"
            f"<span class=lab>{_e(it['b'])} = {_item_value(it['value_b'])}</span></div>"
            f"<div class=prompt>{_e(it['prompt']) or '<span class=dim>(prompt not in logs)</span>'}</div>"
            f"<div class=resp>{resp}</div></div>"
        )
    more = f" Showing the first {len(items):,} of {total:,}; all are in <code>report_items.csv</code>." if total > len(items) else ""
    return (f"<p class=note>Per-item values (mean over epochs) of the compared rungs; their responses come first. "
            f"<span id=shown>{len(items)}</span> items shown.{more}</p>"
            f"<input type=search id=filter placeholder='Filter by item, metric, prompt, response or label…'>"
            + "".join(out))  # fmt: skip


def _clusters_table(clusters: Any, limit: int = 25) -> str:
    """User-log clusters where the rungs differ most (largest gaps first), when a study has them."""
    if clusters is None or len(clusters) == 0:
        return ""
    rows = "".join(
        f"<tr><td>{_e(r.cluster)}</td><td>{_e(r.cluster_name)}</td><td>{_e(r.metric)}</td><td class=num>{_e(r.n_items)}</td>"
        f"<td>{_e(r.a)} − {_e(r.b)}</td><td class=num>{100 * r.diff:+.1f} [{100 * r.low:+.1f}, {100 * r.high:+.1f}]</td>"
        f"<td>{_e(r.verdict)}</td></tr>"
        for r in clusters.head(limit).itertuples() if isinstance(r.b, str) and r.b
    )
    return (f"<h2>User-log clusters where the rungs differ most</h2><p class=note>From <code>stagewise logs compare</code>: "
            f"rates per topic cluster (clusters under the study's k threshold are never shown), the {limit} largest gaps "
            f"first, in points with 95% intervals. Full table: results/user_logs_clusters.csv.</p>"
            f"<table><thead><tr><th>cluster</th><th>name</th><th>metric</th><th>n</th><th>pair</th><th>gap</th>"
            f"<th>verdict</th></tr></thead><tbody>{rows}</tbody></table>")


def page(title: str, c: Comparison, plots: dict[str, Any], judges: list[dict[str, Any]],
         items: list[dict[str, Any]], total_items: int, clusters: Any = None,
         warnings: Sequence[str] = ()) -> str:  # fmt: skip
    """The whole HTML document."""
    verdicts = c.verdicts()
    chips = "".join(
        f"<span class='chip {v}'>{sum(x == v for x in verdicts.values())} {v}</span>"
        for v in ("equivalent", "different", "inconclusive")
    )
    s = c.settings
    pairs = [p for p in dict.fromkeys(([c.main_pair] if c.main_pair else []) + list(plots["forest"]))]
    forest = "".join(f"<figure class=wide id='forest-{i}'>{plots['forest'][p]}</figure>" for i, p in enumerate(pairs))
    tables = "".join(f"<h3>{_e(p[0])} − {_e(p[1])}</h3>{_verdict_table(c, p, judges)}" for p in pairs)
    ladders = "".join(f"<figure class=ladder>{svg}</figure>" for svg in plots["ladder"].values())
    return f"""<!doctype html><html lang=en><head><meta charset=utf-8>
<meta name=viewport content="width=device-width,initial-scale=1"><title>{_e(title)}</title><style>{_CSS}</style></head>
<body><main>
<h1>{_e(title)}</h1>
<p class=sub>{len(c.rungs)} rungs · {len(c.metrics)} metrics · headline pair {_e(' vs '.join(c.main_pair or ()))}</p>
{"".join(f"<p class=warn>⚠ {_e(w)}</p>" for w in warnings)}<div class=summary>{_e(summary(c))}<div class=chips>{chips}</div></div>
<h2>Verdicts</h2>{tables}
<h3>Every rung against {_e(c.production)}</h3><p class=note>Verdict and gap (rung − production) per metric, Holm-corrected across metrics for each rung.</p>{_ladder_verdicts(c)}
<h2>Gaps against the margin</h2>{forest}
<h2>The ladder, metric by metric</h2><p class=note>Each rung's value with its 95% interval; the band is production ± the equivalence margin.</p>
<div class=grid>{ladders}</div>
<h2>Per-rung estimates</h2>{_estimates_table(c)}
<h2>Stage attribution</h2><p class=note>Share of the base → production shift already reached at each rung
(0% = still at base, 100% = at production), with 95% bootstrap intervals. Undefined when the base → production
shift is itself within noise.</p><figure class=wide id=attribution>{plots['attribution']}</figure>
<h2>Judge agreement with human labels</h2>{_judges_table(judges)}
{_clusters_table(clusters)}
<h2>Items where the rungs disagree</h2>{_cards(items, total_items)}
<h2>Methods</h2><p class=note>Intervals: Wilson for a rung's plain rate (one epoch, 0/1 values); otherwise a
percentile bootstrap over items ({s.n_boot:,} resamples, seed {s.seed}), clustered by item when there are several
epochs. Differences are paired on the items both rungs scored; the p-value of a difference is the exact McNemar
test for 0/1 outcomes and the bootstrap otherwise. Equivalence is two one-sided tests (TOST) at α = {s.alpha}
(the {100 * (1 - 2 * s.alpha):.0f}% interval inside ± margin). Margins come from the study file's
<code>margins:</code>, else each metric's default (5 points for rates). Holm's correction is applied across the
{len(c.metrics)} metrics of each pair, to both the equivalence and the difference tests; a metric is
<i>equivalent</i> if its Holm-adjusted TOST p &lt; α, else <i>different</i> if its Holm-adjusted difference
p &lt; α, else <i>inconclusive</i>, with the items needed for {100 * s.power:.0f}% power at the observed gap
(normal approximation, level α / number of metrics). The noise ceiling is the 95% band of production-vs-production
differences between its repeated epochs. Item agreement uses each item's majority label over epochs.</p>
</main><script>{_JS}</script></body></html>"""
