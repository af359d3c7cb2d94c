"""The HTML report fits the screen: at 1280 and 1920 px nothing is wider than the window (long paths, rule
ids, messages, fixes, snippets and reasons wrap or fold), and the verdict is a CSS badge, not an emoji a font
may lack. Real Chromium through Playwright; a screenshot of each width is kept beside the test's report."""

from __future__ import annotations

import html
import os
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from report_fixtures import build, incomplete_result, sample_result, scanners

from secscan.core.model import Category, Finding, Location, Package, Result, ScannerResult, Severity, Status
from secscan.formats.html import render_html

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
# pictographs and dingbats that render as an empty box where the font lacks them
EMOJI = re.compile("[\u2600-\u27bf\U0001f000-\U0001faff\ufe0f]")


def _long_findings() -> list[Finding]:
    deep = "/".join(f"package_{i}_with_a_long_name" for i in range(8)) + "/handlers_for_everything.py"
    message = ("User input flows from flask.request.args into subprocess.Popen(..., shell=True) through "
               "build_command_line_for_the_external_reporting_tool(); " * 4).strip()
    fix = "apply the rule's fix: " + "subprocess.run(shlex.split(cmd_line_from_trusted_parts),check=True)" * 3
    snippet = "42 " + "x" * 400
    out = []
    for i in range(30):
        out.append(Finding(
            f"python.lang.security.audit.dangerous-subprocess-use-tainted-env-args-variant-{i}",
            "Tainted shell",
            message, Severity.HIGH if i % 2 else Severity.MEDIUM, "ERROR", Category.SAST,
            ("semgrep", "bandit"), Location(f"{deep}{i}", 1000 + i, 1000 + i),
            identifiers=("CWE-78", "OWASP-A03:2021-Injection", "B602", "B603"), fingerprint=f"{i:032x}",
            remediation=fix, snippet=snippet))
    out.append(Finding("GHSA-aaaa-bbbb-cccc", "advisory", "x" * 300, Severity.CRITICAL, "",
                       Category.DEPENDENCY, ("pip-audit",),
                       Location("requirements/production-with-a-long-name.txt"),
                       Package("a-very-long-package-name-for-testing-the-layout", "1.2.3", ("1.2.4", "2.0.0"),
                               "PyPI"), ("CVE-2024-00000",), fingerprint="d" * 32))
    return out


def wide_result() -> Result:
    base = sample_result()
    ss = [*scanners(incomplete=True),
          ScannerResult("trivy", Status.FAILED, reason="/" + "/".join(["very-long-folder-name"] * 30))]
    long = build([*base.findings, *_long_findings()], ss)
    return replace(long, target="/home/user/" + "projects/" * 20 + "app")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed (scripts/test.sh installs it)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright (python) is not installed (the test extra has it)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


MEASURE = """() => {
  const box = (sel) => {
    const e = document.querySelector(sel);
    return e ? e.getBoundingClientRect().right : 0;
  };
  const cells = Array.from(document.querySelectorAll('#findings thead th, #findings tbody td'));
  return {
    viewport: window.innerWidth,
    scrollWidth: document.documentElement.scrollWidth,
    findings: document.querySelector('#findings').getBoundingClientRect().width,
    findingsRight: box('#findings'),
    fixRight: Math.max(...Array.from(document.querySelectorAll('#findings tbody td:nth-child(8)'))
                       .map(e => e.getBoundingClientRect().right)),
    cellsRight: Math.max(...cells.map(e => e.getBoundingClientRect().right)),
    scannersRight: box('#scanners'),
    configRight: box('#configuration-settings'),
    rows: document.querySelectorAll('#findings tbody tr').length,
  };
}"""


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 1920])
def test_report_fits_the_window(browser: Any, tmp_path: Path, width: int) -> None:
    r = wide_result()
    path = tmp_path / "secscan.html"
    path.write_text(render_html(r), encoding="utf-8")
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    page.wait_for_selector('body[data-ready="1"]', timeout=60_000)
    m = page.evaluate(MEASURE)
    shot = tmp_path / f"secscan-{width}.png"
    page.screenshot(path=str(shot), full_page=False)
    keep = Path(os.environ.get("SECSCAN_SCREENSHOTS", ""))
    if keep.name:  # SECSCAN_SCREENSHOTS=DIR keeps them for a human look
        keep.mkdir(parents=True, exist_ok=True)
        (keep / shot.name).write_bytes(shot.read_bytes())
    page.close()
    assert errors == []
    assert m["rows"] == len(r.findings)
    assert m["viewport"] == width
    assert m["findings"] <= width, m
    assert m["scrollWidth"] <= width, m  # no horizontal scroll bar on the page
    for key in ("findingsRight", "fixRight", "cellsRight", "scannersRight", "configRight"):
        assert m[key] <= width, (key, m)
    assert shot.stat().st_size > 10_000 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.browser
def test_long_cells_fold_and_open(browser: Any, tmp_path: Path) -> None:
    """A long message or fix is folded to its start, the whole text one click away (and searchable)."""
    path = tmp_path / "secscan.html"
    path.write_text(render_html(wide_result()), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(path.as_uri())
    page.wait_for_selector('body[data-ready="1"]', timeout=60_000)
    folded = page.locator("#findings tbody details.fold", has_text="flask.request.args")
    assert folded.count() > 0
    first = folded.first
    closed = first.bounding_box()["height"]
    first.locator("summary").click()
    assert first.get_attribute("open") is not None and first.bounding_box()["height"] > closed
    assert "build_command_line_for_the_external_reporting_tool" in first.inner_text()
    page.close()


@pytest.mark.parametrize("result", [sample_result(), incomplete_result(), wide_result()])
def test_status_is_a_css_badge_not_an_emoji(result: Result) -> None:
    page = render_html(result)
    html_part = html.unescape(page[: page.index('<script type="application/json"')])
    found = {f"U+{ord(c):04X} {unicodedata.name(c, '?')}" for c in EMOJI.findall(html_part)}
    assert not found
    badge = r'<span class="badge badge-(passed|failed|incomplete)">(PASSED|FAILED|INCOMPLETE)</span>'
    assert re.search(badge, page)
    js = page[page.index("<script>"):]
    assert not EMOJI.findall(js)
