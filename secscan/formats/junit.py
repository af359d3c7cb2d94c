"""JUnit XML (`--format junit`, file `secscan-junit.xml`) for CI test tabs (GitLab, Jenkins).

One test suite per scanner. Its first test case, ``health``, passes when the scanner ran completely, is
skipped (with the reason) when it did not apply, and is an error (status and reason) when it failed, timed
out, covered only part of its input or missed its canary: an incomplete scan shows in the test tab. Then one
failing test case per unsuppressed finding at or above the gate threshold (``--fail-on``), in the suite of
the finding's first source; findings below it are not listed (the other reports have them). Text comes from
the redacted result only (no snippet, no secret value); characters XML 1.0 cannot carry are dropped.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # builds XML, parses nothing

from secscan.core.model import Finding, Result, ScannerResult, Status, threshold
from secscan.formats.interface import Format, fix_text, location_text, ordered, verdict

FILE = "secscan-junit.xml"
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _x(text: str | None) -> str:
    return _NOT_XML.sub("", text or "")


def gate_findings(result: Result) -> list[Finding]:
    """The findings the gate counts at or above its threshold (none for --fail-on never)."""
    bar = threshold(result.gate.fail_on)
    if bar is None:
        return []
    return [f for f in ordered(result.findings) if f.counts_for_gate and f.severity >= bar]


def _health(suite: ET.Element, s: ScannerResult) -> tuple[int, int]:
    """The health test case; (errors, skipped) it adds."""
    case = ET.SubElement(suite, "testcase", classname=f"secscan.{s.name}", name="health",
                         time=f"{max(s.duration_s, 0.0):.3f}")
    text = _x(f"{s.name} {s.status.value}: {s.reason or 'no reason given'}")
    if s.status is Status.SKIPPED:
        ET.SubElement(case, "skipped", message=text)
        return 0, 1
    if s.status is not Status.OK or s.incomplete:
        err = ET.SubElement(case, "error", message=text, type=s.status.value)
        err.text = text
        return 1, 0
    return 0, 0


def _failure(suite: ET.Element, scanner: str, f: Finding) -> None:
    where = location_text(f) or "(no location)"
    case = ET.SubElement(suite, "testcase", classname=_x(f"secscan.{scanner}.{f.category.value}"),
                         name=_x(f"{f.rule_id} {where}"), time="0")
    label = f.severity.label
    fail = ET.SubElement(case, "failure", message=_x(f"[{label}] {f.title}"), type=label)
    lines = [f"{label}: {f.message}", f"rule: {f.rule_id} ({', '.join(f.sources)})", f"at: {where}"]
    fix = fix_text(f)
    if fix:
        lines.append(f"fix: {fix}")
    fail.text = _x("\n".join(lines))


def render_junit(result: Result) -> str:
    """The JUnit XML document."""
    root = ET.Element("testsuites", name="secscan")
    by_scanner: dict[str, list[Finding]] = {}
    names = [s.name for s in result.scanners]
    for f in gate_findings(result):
        owner = next((src for src in f.sources if src in names), f.sources[0] if f.sources else "secscan")
        by_scanner.setdefault(owner, []).append(f)
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    suites = [(s.name, s) for s in result.scanners] + [(n, None) for n in by_scanner if n not in names]
    for name, s in suites:
        suite = ET.SubElement(root, "testsuite", name=_x(name))
        errors, skipped = _health(suite, s) if s is not None else (0, 0)
        found = by_scanner.get(name, [])
        for f in found:
            _failure(suite, name, f)
        counts = {"tests": len(found) + (s is not None), "failures": len(found), "errors": errors,
                  "skipped": skipped}
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("time", f"{max(s.duration_s, 0.0) if s else 0.0:.3f}")
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", f"{max(result.duration_s, 0.0):.3f}")
    props = ET.Element("properties")
    facts = (("verdict", verdict(result).headline), ("fail_on", result.gate.fail_on),
             ("exit_code", str(result.gate.exit_code)), ("target", result.target))
    for fact, text in facts:
        ET.SubElement(props, "property", name=fact, value=_x(text))
    if len(root):
        root[0].insert(0, props)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


class JunitFormat(Format):
    """`--format junit`: the gate as a test report."""

    name = "junit"
    files = (FILE,)

    def render(self, result: Result) -> dict[str, str | bytes]:
        """{"secscan-junit.xml": text}."""
        return {FILE: render_junit(result)}
