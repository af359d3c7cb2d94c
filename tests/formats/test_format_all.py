"""What every format shares: says when the scan was incomplete, holds no secret, re-renders from JSON."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from report_fixtures import (
    SECRET_HASH,
    SECRET_VALUE,
    build,
    clean_result,
    hostile_finding,
    incomplete_result,
    sample_result,
    scanners,
    secret,
)

from secscan.core.model import Result
from secscan.formats import json_report
from secscan.formats.registry import FORMATS


def _render_all(r: Result) -> dict[str, str]:
    out: dict[str, str] = {}
    for fmt in FORMATS.values():
        for name, content in fmt.render(r).items():
            out[name] = content if isinstance(content, str) else content.decode()
    return out


def _secret_result() -> Result:
    # a parser bug put the value in the snippet and a property: formats other than JSON must still not show it
    leaky = secret("deploy/.env", 4).with_(snippet=f"AWS_KEY={SECRET_VALUE}")
    return build([secret("config/aws.env", 2), leaky], scanners(True))


def test_no_format_contains_a_secret_value() -> None:
    for name, text in _render_all(_secret_result()).items():
        if name != "secscan.json":  # the JSON report is the source of truth and keeps what the model holds
            assert SECRET_VALUE not in text, name
            assert SECRET_HASH not in text, name
    for name, text in _render_all(sample_result()).items():
        assert SECRET_VALUE not in text, name


def test_every_format_says_the_scan_was_incomplete() -> None:
    out = _render_all(build([], scanners(True), fail_on="critical"))
    assert json.loads(out["secscan.json"])["incomplete"] is True
    assert "INCOMPLETE" in out["secscan.md"].split("\n## ", 1)[1].splitlines()[0]
    assert 'data-incomplete="true"' in out["secscan.html"] and "INCOMPLETE" in out["secscan.html"]
    assert json.loads(out["secscan.sarif"])["runs"][0]["invocations"][0]["executionSuccessful"] is False
    for name in (
        "gl-sast-report.json",
        "gl-dependency-scanning-report.json",
        "gl-secret-detection-report.json",
    ):
        assert json.loads(out[name])["scan"]["status"] == "failure", name
    clean = _render_all(clean_result())
    assert "INCOMPLETE" not in clean["secscan.md"] and 'data-incomplete="false"' in clean["secscan.html"]
    assert json.loads(clean["gl-sast-report.json"])["scan"]["status"] == "success"


@pytest.mark.parametrize("make", [sample_result, incomplete_result, clean_result])
def test_rerender_from_json_is_identical(make: object) -> None:
    r = make()  # type: ignore[operator]
    r = replace(r, findings=(*r.findings, hostile_finding()))
    again = json_report.loads(json_report.dumps(r))
    assert _render_all(again) == _render_all(r)
