"""HTML report (`secscan.html`): one self-contained file, no network, no external assets.

The page is rendered by jinja2 with autoescape on. Findings travel as JSON in a
`<script type="application/json">` block (`script_json` escapes `<`, `>`, `&`, U+2028/2029, so data
cannot close the element), and the table is built by the inline script with `textContent` only.
A Content-Security-Policy allows no network and only the page's own script (by hash), so even
injected markup could neither run nor load anything.
"""

from __future__ import annotations

import base64
import hashlib
import json
from functools import cache
from typing import Any

import jinja2
from markupsafe import Markup

from secscan.core.model import Finding, Result, Severity, Status
from secscan.formats import configuration
from secscan.formats.context_view import context_note, group_by_rule, left_out_line, split_for_reading
from secscan.formats.flow import flow_text, superseded_text
from secscan.formats.interface import (
    SEVERITY_ORDER,
    TOP_ACTIONS,
    Format,
    fingerprint_of,
    fix_cell,
    package_text,
    safe_snippet,
    suppression_text,
    verdict,
)
from secscan.formats.places import places_text

PAGE_SIZE = 500  # rows added to the table at a time ("show more")
COLORS = {"critical": "#b00020", "high": "#d84315", "medium": "#b7791f", "low": "#1565c0", "info": "#546e7a"}
COLUMNS = (
    "severity",
    "category",
    "rule",
    "title",
    "message",
    "path",
    "line",
    "sources",
    "package",
    "fix",
    "state",
    "suppression",
    "identifiers",
    "snippet",
    "fingerprint",
    "context",
)

_SCRIPT_ESCAPES = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


def script_json(data: Any) -> Markup:
    """JSON safe to place inside a <script> element: no `</script>`, `<!--`, or line separators survive."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(_SCRIPT_ESCAPES)
    return Markup(text)  # noqa: S704 (every character that matters in HTML is escaped above)


@cache
def _env() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("secscan.formats", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


@cache
def _static(name: str) -> str:
    loader = _env().loader
    assert loader is not None
    source, _, _ = loader.get_source(_env(), name)
    return source


def _state(f: Finding) -> str:
    if f.suppressed:
        return "suppressed"
    return "pre-existing" if f.pre_existing else "new"


def _message(f: Finding) -> str:
    """The message, led by the taint flow's lines and a superseded hit's note when there are."""
    lead = [text[0].upper() + text[1:] + "." for text in (flow_text(f), superseded_text(f), places_text(f),
                                                          context_note(f))
            if text]
    return " ".join([*lead, f.message]) if lead else f.message


def _row(f: Finding) -> list[Any]:
    loc = f.location
    path = loc.path if loc and loc.path else (loc.image if loc and loc.image else "")
    if loc and loc.image and loc.path:
        path = f"{loc.image} {loc.path}"
    if not path and f.package is not None and f.package.manifest:
        path = f.package.manifest
    sup = suppression_text(f)
    return [
        int(f.severity),
        f.category.value,
        f.rule_id,
        f.title,
        _message(f),
        path,
        (loc.start_line or 0) if loc else 0,
        ", ".join(f.sources),
        package_text(f),
        fix_cell(f),
        _state(f),
        sup,
        ", ".join(i for i in f.identifiers if i != f.rule_id),
        safe_snippet(f) or "",
        fingerprint_of(f),
        f.context,
    ]


def findings_data(result: Result) -> dict[str, Any]:
    """The JSON the page's script reads (rows as arrays to keep 20,000 findings small)."""
    return {
        "severities": [s.label for s in Severity],
        "columns": {c: i for i, c in enumerate(COLUMNS)},
        "page_size": PAGE_SIZE,
        "rows": [_row(f) for f in result.findings],
    }


def _chart(result: Result) -> dict[str, Any]:
    counts = result.counts
    top = max(counts.values()) or 1
    bars = [
        {
            "label": s.label,
            "count": counts[s.label],
            "color": COLORS[s.label],
            "y": 6 + i * 26,
            "width": round(240 * counts[s.label] / top),
        }
        for i, s in enumerate(SEVERITY_ORDER)
    ]
    return {"width": 380, "height": 6 + 26 * len(bars), "bars": bars}


def _collapsed(result: Result) -> list[dict[str, Any]]:
    """Low findings and findings in test and example code, collapsed by rule (new, unsuppressed)."""
    active = [f for f in result.findings if f.counts_for_gate]
    _, _, low, by_context = split_for_reading(active)
    sections = [("low", "Low and info findings, by rule", low),
                ("context", "Findings in test and example code (not counted for the gate: --gate-tests "
                            "counts them), by rule", by_context)]
    return [{"id": key, "title": f"{title} ({len(rows)})", "groups": group_by_rule(rows)[:200]}
            for key, title, rows in sections if rows]


def render_html(result: Result) -> str:
    """The whole HTML page."""
    js = _static("report.js")
    digest = base64.b64encode(hashlib.sha256(js.encode("utf-8")).digest()).decode("ascii")
    v = verdict(result)
    scanners = sorted(result.scanners, key=lambda s: (not s.incomplete, s.status is Status.SKIPPED, s.name))
    return (
        _env()
        .get_template("report.html.j2")
        .render(
            result=result,
            verdict=v,
            chart=_chart(result),
            scanners=scanners,
            severities=[s.label for s in SEVERITY_ORDER],
            suppressed=sum(1 for f in result.findings if f.suppressed),
            pre_existing=sum(1 for f in result.findings if f.pre_existing and not f.suppressed),
            expired=sum(1 for f in result.findings if f.suppression is not None and f.suppression.expired),
            css=Markup(_static("report.css")),  # noqa: S704 (our own static file)
            js=Markup(js),  # noqa: S704 (our own static file)
            script_hash=f"sha256-{digest}",
            data_json=script_json(findings_data(result)),
            config_title=configuration.TITLE,
            config_headline=configuration.headline(result),
            config_rows=configuration.rows(result),
            notes=configuration.other_notes(result),
            top_actions=TOP_ACTIONS,
            left_out=left_out_line(result),
            collapsed=_collapsed(result),
        )
    )


class HtmlFormat(Format):
    """`--format html`."""

    name = "html"
    files = ("secscan.html",)

    def render(self, result: Result) -> dict[str, str | bytes]:
        """{"secscan.html": page}."""
        return {"secscan.html": render_html(result)}
