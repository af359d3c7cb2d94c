"""Markdown report: verdict first, health table, escaping of scanned text, caps."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from report_fixtures import (
    XSS_IMG,
    XSS_SCRIPT,
    big_result,
    build,
    clean_result,
    hostile_finding,
    incomplete_result,
    sample_findings,
    sample_result,
    scanners,
)

from secscan.core.model import Severity
from secscan.formats.markdown import MarkdownFormat, md, render_markdown

CELL_SPLIT = re.compile(r"(?<!\\)\|")


def _first_heading(text: str) -> str:
    return next(line for line in text.splitlines() if line.startswith("## "))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a|b", "a\\|b"),
        ("`x`", "&#96;x&#96;"),
        ("<b>&", "&lt;b&gt;&amp;"),
        ("l1\nl2\r\nl3", "l1<br>l2<br>l3"),
        ("[link](http://x)", "\\[link\\](http://x)"),
        ("*bold* _it_", "\\*bold\\* \\_it\\_"),
        (None, ""),
        ("a\u2028b", "a<br>b"),
    ],
)
def test_md_escapes(text: str | None, expected: str) -> None:
    assert md(text) == expected


def test_md_truncates_long_cells() -> None:
    assert len(md("x" * 5000)) <= 300


def test_verdict_comes_first_and_names_the_outcome() -> None:
    assert "FAILED on findings at or above high" in _first_heading(render_markdown(sample_result()))
    assert "PASSED" in _first_heading(render_markdown(clean_result()))
    head = _first_heading(render_markdown(incomplete_result()))
    assert "FAILED" in head and "INCOMPLETE" in head
    text = render_markdown(incomplete_result())
    assert text.index("## ") < text.index("### Top actions") < text.index("### Scanner health")


def test_incomplete_without_findings_reads_incomplete_not_clean() -> None:
    r = build([], scanners(True), fail_on="critical")
    text = render_markdown(r)
    assert "INCOMPLETE" in _first_heading(text)
    assert "PASSED" not in text
    assert "scanner semgrep is timeout: timed out after 300 s" in text
    assert "None (but the scan was incomplete)." in text
    allowed = build([], scanners(True), fail_on="critical", allow_incomplete=True)
    assert "INCOMPLETE" in _first_heading(render_markdown(allowed))


def test_scanner_health_lists_every_scanner_and_flags_incomplete() -> None:
    r = incomplete_result()
    text = render_markdown(r)
    section = text[text.index("### Scanner health") : text.index("### Critical")]
    for s in r.scanners:
        assert f"| {md(s.name)} |" in section
    assert "| semgrep | **\u26a0\ufe0f TIMEOUT** | 1.185.0 | 300.0 s | 1 |" in section
    assert "**\u26a0\ufe0f FAILED**" in section and "**\u26a0\ufe0f PARTIAL**" in section
    assert "| trivy | skipped |" in section and "trivy is not on PATH" in section
    assert "npm exited 254: &lt;lockfile&gt; \\| unreadable" in section


def test_actions_counts_and_top_findings() -> None:
    r = sample_result()
    text = render_markdown(r)
    actions = text[text.index("### Top actions") : text.index("### Findings by severity")]
    assert actions.index("upgrade jinja2 from 2.10 to 2.10.1") < actions.index("upgrade requests")
    c = r.counts
    assert f"| {c['critical']} | {c['high']} | {c['medium']} | {c['low']} | {c['info']} | 1 | 1 | 0 |" in text
    top = text[text.index("### Critical and high") : text.index("<details>")]
    assert "| app/run.py:12 |" in top
    assert "upgrade requests from 2.19.0 to 2.20.0" in top
    assert "| requirements.txt |" in top and "requests==2.19.0" in top
    assert "app/settings.py:3" not in top  # low: folded
    details = text[text.index("<details><summary>Low and info findings") :]
    assert "app/settings.py:3" in details  # collapsed by rule, with its first places


def test_new_findings_come_before_pre_existing() -> None:
    fs = [f.with_(pre_existing=True) if f.rule_id == "B602" else f for f in sample_findings()]
    text = render_markdown(build(fs, scanners(False)))
    assert "### Critical and high findings (new)" in text
    new_at = text.index("### Critical and high findings (new)")
    old_at = text.index("Pre-existing critical and high findings (1")
    assert new_at < old_at < text.index("app/run.py:12")


def test_suppressed_and_stale_suppressions_are_shown() -> None:
    text = render_markdown(sample_result())
    sup = text[text.index("Suppressed findings (1") :]
    assert "app/hash.py:10" in sup
    assert "config: not used for security; owner crypto-team; expires 2099-03-01" in sup
    assert "suppression expired 2024-01-01" in text
    assert "### Stale suppressions" in text and "rule: B404, path: tools/\\*.py" in text


def test_scanned_text_cannot_inject_html_or_break_tables() -> None:
    r = sample_result()
    r = replace(r, findings=(*r.findings, hostile_finding()))
    text = render_markdown(r)
    assert XSS_SCRIPT not in text and XSS_IMG not in text
    assert "<script" not in text and "<img" not in text
    row = next(line for line in text.splitlines() if "pwned=1" in line and line.startswith("| **critical**"))
    # 8 columns -> 9 unescaped pipes, whatever the finding's text holds
    assert len(CELL_SPLIT.findall(row)) == 9
    assert "\n" not in row and "`" not in row


def test_large_result_is_capped_for_ci_limits() -> None:
    text = render_markdown(big_result(5000))
    assert len(text.encode()) < 1024 * 1024
    assert "more: see secscan.html or secscan.json" in text


def test_format_object() -> None:
    out = MarkdownFormat().render(sample_result())
    assert list(out) == ["secscan.md"]
    assert isinstance(out["secscan.md"], str) and out["secscan.md"].startswith(
        "# secscan report: demo-project"
    )


def test_severity_words_are_report_words() -> None:
    text = render_markdown(sample_result())
    for s in Severity:
        assert f"| {s.label} |" in text or f"| **{s.label}** |" in text
