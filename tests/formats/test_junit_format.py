"""JUnit XML: read back with junitparser (the parser CI tools' plugins use): one suite per scanner, its health
as the suite's error or skip, one failing case per finding at or above the gate threshold."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from junitparser import Error, Failure, JUnitXml, Skipped
from report_fixtures import (
    SECRET_VALUE,
    build,
    clean_result,
    incomplete_result,
    sample_findings,
    sample_result,
    scanners,
)

from secscan.formats.junit import FILE, JunitFormat
from secscan.formats.registry import get


def parse(result, tmp_path: Path) -> JUnitXml:
    text = JunitFormat().render(result)[FILE]
    assert isinstance(text, str) and SECRET_VALUE not in text
    path = tmp_path / FILE
    path.write_text(text, "utf-8")
    return JUnitXml.fromfile(str(path))


def cases(xml: JUnitXml) -> dict[str, list]:
    return {suite.name: list(suite) for suite in xml}


def test_one_suite_per_scanner_and_gate_failures(tmp_path: Path) -> None:
    result = sample_result()  # fail_on high: 7 findings at or above it
    xml = parse(result, tmp_path)
    suites = cases(xml)
    assert set(suites) == {s.name for s in result.scanners}
    failures = [c for cs in suites.values() for c in cs if any(isinstance(r, Failure) for r in c.result)]
    assert len(failures) == 7 == sum(1 for f in result.findings if f.counts_for_gate and f.severity >= 3)
    assert xml.failures == 7 and xml.tests == len(result.scanners) + 7
    bandit = {c.name: c for c in suites["bandit"]}
    b602 = next(c for name, c in bandit.items() if name.startswith("B602 "))
    (fail,) = b602.result
    assert fail.type == "high" and fail.message.startswith("[high] ")
    assert not any(name.startswith("B105 ") for name in bandit)  # low: below the gate
    # a merged finding appears once, in its first source's suite
    assert sum(1 for cs in suites.values() for c in cs if c.name.startswith("aws-access-key ")) == 1


def test_health_is_error_or_skip(tmp_path: Path) -> None:
    result = incomplete_result()
    suites = cases(parse(result, tmp_path))
    for s in result.scanners:
        health = next(c for c in suites[s.name] if c.name == "health")
        kinds = {type(r) for r in health.result}
        if s.status.value == "skipped":
            assert kinds == {Skipped}, s
        elif s.incomplete:
            assert kinds == {Error} and s.status.value in health.result[0].message, s
        else:
            assert kinds == set(), s
    assert any(s.incomplete for s in result.scanners)


def test_clean_and_never(tmp_path: Path) -> None:
    xml = parse(clean_result(), tmp_path)
    assert xml.failures == 0 and xml.errors == 0
    never = build(sample_findings(), scanners(False), fail_on="never")
    assert parse(never, tmp_path).failures == 0


def test_control_characters_are_dropped(tmp_path: Path) -> None:
    result = sample_result()
    bad = replace(result.findings[0], title="bell\x07 and nul\x00 here", message="esc\x1b[31m")
    xml = parse(replace(result, findings=(bad, *result.findings[1:])), tmp_path)
    assert xml.failures >= 1
    assert get("junit").name == "junit"
