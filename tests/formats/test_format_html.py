"""HTML report: self-contained, autoescaped, data block safe; browser tests drive the real page."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from report_fixtures import (
    XSS_IMG,
    XSS_SCRIPT,
    big_result,
    build,
    hostile_finding,
    incomplete_result,
    sample_result,
    scanners,
)

from secscan.core.model import Result, Severity
from secscan.formats.html import HtmlFormat, findings_data, render_html, script_json

DATA_BLOCK = re.compile(r'<script type="application/json" id="findings-data">(.*?)</script>', re.S)
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def hostile_result() -> Result:
    r = sample_result()
    return replace(r, findings=(*r.findings, hostile_finding()))


def test_script_json_cannot_close_the_element() -> None:
    data = {"x": "</script><script>alert(1)</script><!-- & \u2028\u2029 >"}
    out = str(script_json(data))
    for bad in ("<", ">", "&", "\u2028", "\u2029"):
        assert bad not in out
    assert json.loads(out) == data


def test_page_has_no_raw_injected_markup() -> None:
    page = render_html(hostile_result())
    assert XSS_SCRIPT not in page and XSS_IMG not in page
    assert page.count("<script") == 2 and page.count("</script>") == 2  # data block + our own script
    inc = render_html(incomplete_result())
    assert "npm exited 254: &lt;lockfile&gt; | unreadable" in inc


def test_data_block_round_trips_and_holds_every_finding() -> None:
    r = hostile_result()
    page = render_html(r)
    m = DATA_BLOCK.search(page)
    assert m is not None
    data = json.loads(m.group(1))
    assert data == json.loads(json.dumps(findings_data(r)))
    assert len(data["rows"]) == len(r.findings)
    cols = data["columns"]
    by_fp = {row[cols["fingerprint"]]: row for row in data["rows"]}
    secret = next(f for f in r.findings if f.secret_hash)
    assert by_fp[secret.fingerprint][cols["snippet"]] == ""
    evil = by_fp[hostile_finding().fingerprint]
    assert XSS_SCRIPT in evil[cols["title"]] and XSS_IMG in evil[cols["snippet"]]


def test_self_contained_with_csp_hash_of_its_script() -> None:
    page = render_html(sample_result())
    outside = DATA_BLOCK.sub("", page)
    for ref in (" src=", " href=", "url(", "@import", "<link", "<iframe", "<object", "<embed"):
        assert ref not in outside, ref
    csp = re.search(r'Content-Security-Policy" content="([^"]+)"', page)
    assert csp is not None and "default-src 'none'" in csp.group(1)
    script = re.search(r"<script>(.*?)</script>", page, re.S)
    assert script is not None
    digest = base64.b64encode(hashlib.sha256(script.group(1).encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in csp.group(1)


def test_verdict_health_chart_and_actions_server_side() -> None:
    r = incomplete_result()
    page = render_html(r)
    assert 'data-verdict="failed"' in page and 'data-incomplete="true"' in page
    assert "INCOMPLETE" in page and 'id="incomplete-banner"' in page
    for s in r.scanners:
        assert f'data-scanner="{s.name}" data-status="{s.status.value}"' in page
    for sev in Severity:
        assert f'<g data-severity="{sev.label}" data-count="{r.counts[sev.label]}">' in page
    assert "upgrade jinja2 from 2.10 to 2.10.1" in page
    assert "B404" in page  # stale suppression


def test_format_object() -> None:
    out = HtmlFormat().render(sample_result())
    assert list(out) == ["secscan.html"]


# ---------------------------------------------------------------- browser tests


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright (python) is not installed")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


class Page:
    """A loaded report, with the requests and dialogs it caused."""

    def __init__(self, browser: Any, path: Path) -> None:
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.page = browser.new_page()
        self.page.on("request", lambda req: self.requests.append(req.url))
        self.page.on("dialog", self._dialog)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(path.as_uri())
        self.page.wait_for_selector('body[data-ready="1"]', timeout=60_000)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def matched(self) -> int:
        return int(self.page.get_attribute("#row-count", "data-count"))

    def rows(self) -> int:
        return int(self.page.locator("#findings tbody tr").count())

    def column(self, index: int) -> list[str]:
        return list(
            self.page.eval_on_selector_all(
                f"#findings tbody tr td:nth-child({index})", "els => els.map(e => e.textContent)"
            )
        )

    def type_into(self, selector: str, text: str) -> None:
        self.page.fill(selector, text)
        self.page.wait_for_timeout(250)  # the inputs are debounced (120 ms)


def _open(browser: Any, tmp_path: Path, result: Result) -> Page:
    path = tmp_path / "secscan.html"
    path.write_text(render_html(result), encoding="utf-8")
    return Page(browser, path)


@pytest.mark.browser
def test_filter_sort_and_search(browser: Any, tmp_path: Path) -> None:
    r = hostile_result()
    pg = _open(browser, tmp_path, r)
    assert pg.errors == []
    assert pg.matched() == pg.rows() == len(r.findings)
    pg.page.select_option("#filter-severity", "critical")
    crit = sum(1 for f in r.findings if f.severity is Severity.CRITICAL)
    assert pg.rows() == pg.matched() == crit
    assert set(
        pg.page.eval_on_selector_all("#findings tbody tr", "els => els.map(e => e.dataset.severity)")
    ) == {"critical"}
    pg.page.select_option("#filter-severity", "")
    pg.page.select_option("#filter-category", "dependency")
    assert pg.rows() == sum(1 for f in r.findings if f.category.value == "dependency")
    pg.page.select_option("#filter-category", "")
    pg.page.select_option("#filter-source", "bandit")
    assert pg.rows() == sum(1 for f in r.findings if "bandit" in f.sources)
    pg.page.select_option("#filter-source", "")
    pg.page.select_option("#filter-state", "suppressed")
    assert pg.rows() == sum(1 for f in r.findings if f.suppressed)
    pg.page.select_option("#filter-state", "")
    pg.type_into("#filter-path", "app/")
    assert pg.rows() == sum(1 for f in r.findings if f.location and "app/" in f.location.path)
    pg.type_into("#filter-path", "")
    pg.type_into("#search", "JINJA2")
    assert pg.rows() == 1 and "jinja2" in pg.column(3)[0]
    pg.type_into("#search", "")
    pg.page.click('th[data-sort="path"]')
    paths = pg.column(2)
    assert paths == sorted(paths) and len(paths) == len(r.findings)
    assert pg.page.get_attribute('th[data-sort="path"]', "aria-sort") == "ascending"
    pg.page.click('th[data-sort="path"]')
    assert pg.column(2) == sorted(paths, reverse=True)
    sev_js = "els => els.map(e => e.dataset.severity)"
    pg.page.click('th[data-sort="severity"]')  # a new column: severity starts highest first
    order = [Severity.from_label(s) for s in pg.page.eval_on_selector_all("#findings tbody tr", sev_js)]
    assert order == sorted(order, reverse=True) and order[0] is Severity.CRITICAL
    pg.page.click('th[data-sort="severity"]')
    order = [Severity.from_label(s) for s in pg.page.eval_on_selector_all("#findings tbody tr", sev_js)]
    assert order == sorted(order)


@pytest.mark.browser
def test_planted_markup_never_runs_and_shows_literally(browser: Any, tmp_path: Path) -> None:
    pg = _open(browser, tmp_path, hostile_result())
    pg.page.wait_for_timeout(300)
    assert pg.page.evaluate("typeof window.__pwned") == "undefined"
    assert pg.dialogs == [] and pg.errors == []
    assert pg.page.locator("#findings img, #findings script").count() == 0
    pg.type_into("#search", "pwned")
    assert pg.rows() == 1
    cells = pg.page.eval_on_selector_all("#findings tbody tr td", "els => els.map(e => e.textContent)")
    text = "\n".join(cells)
    assert f"title {XSS_SCRIPT}{XSS_IMG} | pipe `tick`" in text
    assert f"src/{XSS_SCRIPT}{XSS_IMG}.py:7" in text
    assert f"x = '{XSS_SCRIPT}{XSS_IMG}' </script><!--" in text
    assert f"message {XSS_SCRIPT}{XSS_IMG}" in text
    assert pg.requests == [(tmp_path / "secscan.html").as_uri()]


@pytest.mark.browser
def test_twenty_thousand_findings(browser: Any, tmp_path: Path) -> None:
    r = big_result(20_000)
    t0 = time.perf_counter()
    path = tmp_path / "secscan.html"
    path.write_text(render_html(r), encoding="utf-8")
    t1 = time.perf_counter()
    pg = Page(browser, path)
    t2 = time.perf_counter()
    assert pg.matched() == 20_000 and pg.rows() == 500
    pg.page.select_option("#filter-severity", "critical")
    t3 = time.perf_counter()
    severity_ms = pg.page.get_attribute("body", "data-filter-ms")
    crit = sum(1 for f in r.findings if f.severity is Severity.CRITICAL)
    assert pg.matched() == crit and pg.rows() == min(500, crit)
    pg.page.click("#show-more")
    assert pg.rows() == min(1000, crit)
    pg.type_into("#search", "problem number 1999")
    search_ms = pg.page.get_attribute("body", "data-filter-ms")
    expected = sum(
        1 for f in r.findings if f.severity is Severity.CRITICAL and "problem number 1999" in f.title
    )
    assert pg.matched() == expected
    pg.page.click('th[data-sort="title"]')
    assert pg.requests == [path.as_uri()] and pg.errors == []
    print(
        f"\n20,000 findings: render {t1 - t0:.2f} s, {path.stat().st_size / 1e6:.1f} MB, page load "
        f"{t2 - t1:.2f} s, severity filter {t3 - t2:.2f} s wall ({severity_ms} ms in page), "
        f"search {search_ms} ms in page"
    )


@pytest.mark.browser
def test_incomplete_verdict_visible(browser: Any, tmp_path: Path) -> None:
    pg = _open(browser, tmp_path, build([], scanners(True), fail_on="critical"))
    assert "INCOMPLETE" in pg.page.inner_text("#verdict")
    assert pg.page.locator("#scanners tr.incomplete").count() == 3
    assert pg.matched() == 0
