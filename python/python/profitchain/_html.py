"""A result as HTML in a notebook: the summary, the main tables and the charts inline (SVG),
in the report's style. Presentation only: every number comes from the Rust core."""

from __future__ import annotations

import html
from typing import Any

_STYLE = """
<style>
.pc-result{font-family:'Noto Sans','Noto Sans CJK SC',Helvetica,Arial,sans-serif;color:#222;max-width:1000px}
.pc-result h3{margin:.6em 0 .3em;font-size:1.15em;border-bottom:2px solid #2b6cb0}
.pc-result h4{margin:.8em 0 .2em;font-size:1em;color:#2b6cb0}
.pc-result ul{margin:.2em 0 .6em 1.2em;padding:0}
.pc-result li{margin:.15em 0}
.pc-result .pc-warn{background:#fff7e6;border-left:4px solid #dd6b20;padding:.3em .6em;margin:.3em 0}
.pc-result table{border-collapse:collapse;font-size:.85em;margin:.2em 0 .8em}
.pc-result th,.pc-result td{border-bottom:1px solid #ddd;padding:2px 8px;text-align:right}
.pc-result th{background:#f3f6fa}
.pc-result td:first-child,.pc-result th:first-child{text-align:left}
.pc-result .pc-chart{display:inline-block;margin:.3em}
</style>
"""

# The tables shown first, per verb (the rest are listed by name).
_MAIN = {
    "chain": ["hypotheses", "coefficients", "indirect_effects", "comparisons"],
    "regress": ["coefficients"],
    "clv": ["parameters", "holdout", "segments"],
    "csi": ["indices", "paths", "reliability"],
    "drivers": ["drivers"],
    "metrics": ["metrics"],
    "value": ["deciles", "whale_curve"],
    "build": ["diagnostics"],
    "segments": ["coefficients", "tests"],
    "feedback": ["themes", "bridge", "discovery"],
}


def _cell(column: str, v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        if v != v:
            return ""
        if column.startswith("p_value") or column == "p":
            return "<0.001" if v < 0.001 else f"{v:.3f}"
        return f"{v:,.4g}" if abs(v) < 1e6 else f"{v:,.0f}"
    return str(v)


def _table(df: Any, limit: int = 30) -> str:
    cols = df.columns
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in cols)
    rows = []
    for r in df.head(limit).iter_rows():
        cells = [f"<td>{html.escape(_cell(c, v))}</td>" for c, v in zip(cols, r)]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    more = f"<p><i>{df.height - limit:,} more rows</i></p>" if df.height > limit else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{more}"


def render(res: Any, lang: str | None = None) -> str:
    page = res._o.html(lang)
    if page is not None:
        # The report's own page (its sections for this result, charts inline), isolated in
        # a frame so that its style does not touch the notebook's.
        return (
            '<iframe style="width:100%;height:900px;border:1px solid #ddd" '
            # As tall as its page where the notebook allows it (else 900 px, scrolling).
            "onload=\"try{this.style.height=(this.contentWindow.document.body.scrollHeight+80)+'px'}catch(e){}\" "
            f'srcdoc="{html.escape(page, quote=True)}"></iframe>'
        )
    parts = [_STYLE, '<div class="pc-result">', f"<h3>profitchain {html.escape(res.verb)}</h3>"]
    d = res.to_dict()
    summary = d.get("summary") if isinstance(d, dict) else None
    if isinstance(summary, list) and summary:
        parts.append("<ul>" + "".join(f"<li>{html.escape(str(s))}</li>" for s in summary) + "</ul>")
    else:
        text = res.summary(lang)
        parts.append(f"<pre>{html.escape(text[:4000])}</pre>")
    for w in res.warnings:
        parts.append(f'<div class="pc-warn">{html.escape(w)}</div>')
    names = res.table_names
    shown = [n for n in _MAIN.get(res.verb, names[:3]) if n in names]
    for n in shown:
        parts.append(f"<h4>{html.escape(n)}</h4>" + _table(res.table(n)))
    for name, svg in res.charts.items():
        parts.append(f'<div class="pc-chart" title="{html.escape(name)}">{svg}</div>')
    rest = [n for n in names if n not in shown]
    if rest:
        parts.append("<p>Other tables: " + ", ".join(f"<code>res.{html.escape(n)}</code>" for n in rest) + "</p>")
    parts.append("</div>")
    return "".join(parts)
