"""SARIF 2.1.0 report (`secscan.sarif`) for GitHub code scanning and other SARIF consumers.

One run for secscan, with the rules of every source tool. Scanners that did not fully run become
`invocations[0].toolExecutionNotifications`, and `executionSuccessful` is false when the scan was incomplete.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from secscan.core.model import Finding, Result, ScannerResult, Severity, Status
from secscan.core.serialize import configuration_to_dict
from secscan.formats.context_view import context_note
from secscan.formats.flow import flow_steps, flow_text
from secscan.formats.interface import (
    Format,
    cwe_numbers,
    fingerprint_of,
    fix_text,
    is_incomplete,
    safe_snippet,
    verdict,
)
from secscan.formats.places import other_places

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "secscanFingerprint/v1"
COMPACT_ABOVE = 2000  # findings; above this the file is written without indentation

#: GitHub reads `security-severity`: >= 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low.
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "2.0",
    Severity.INFO: "0.0",
}
#: SARIF result level by severity.
LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
#: Notification level by scanner status (a required scanner that was skipped is an error).
NOTIFICATION_LEVEL = {
    Status.FAILED: "error",
    Status.TIMEOUT: "error",
    Status.PARTIAL: "warning",
    Status.SKIPPED: "note",
}
SUPPRESSION_KIND = {"inline": "inSource"}  # anything else (config, baseline) is "external"


def _help_uri(identifiers: tuple[str, ...]) -> str | None:
    for ident in identifiers:
        up = ident.upper()
        if up.startswith("CVE-"):
            return f"https://nvd.nist.gov/vuln/detail/{quote(ident, errors='replace')}"
        if up.startswith("GHSA-"):
            return f"https://github.com/advisories/{quote(ident, errors='replace')}"
    for num in cwe_numbers(identifiers):
        return f"https://cwe.mitre.org/data/definitions/{num}.html"
    return None


def _rule(f: Finding, severity: Severity) -> dict[str, Any]:
    tags = [f.category.value, "security", *(f"external/cwe/cwe-{n}" for n in cwe_numbers(f.identifiers))]
    rule: dict[str, Any] = {
        "id": f.rule_id,
        "name": re.sub(r"[^A-Za-z0-9]+", "", f.rule_id.title()) or "Rule",
        "shortDescription": {"text": f.title or f.rule_id},
        "fullDescription": {"text": f.message or f.title or f.rule_id},
        "defaultConfiguration": {"level": LEVEL[severity]},
        "properties": {
            "tags": tags,
            "security-severity": SECURITY_SEVERITY[severity],
            "problem.severity": {"error": "error", "warning": "warning"}.get(
                LEVEL[severity], "recommendation"
            ),
            "sources": sorted(f.sources),
        },
    }
    uri = _help_uri(f.identifiers)
    if uri:
        rule["helpUri"] = uri
    fix = fix_text(f)
    if fix:
        rule["help"] = {"text": fix}
    return rule


def rules_for(findings: tuple[Finding, ...]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """One rule per rule_id, at the highest severity seen; and rule_id -> index."""
    first: dict[str, Finding] = {}
    top: dict[str, Severity] = {}
    for f in findings:
        first.setdefault(f.rule_id, f)
        top[f.rule_id] = max(top.get(f.rule_id, f.severity), f.severity)
    ids = sorted(first)
    return [_rule(first[i], top[i]) for i in ids], {r: n for n, r in enumerate(ids)}


_DRIVE = re.compile(r"^[A-Za-z]:/")


def _artifact(uri: str) -> dict[str, Any]:
    """A path in the target: relative to %SRCROOT%; an absolute path (outside the target, e.g. from an
    imported output): an absolute file URI, never glued to the source root."""
    path = uri.replace("\\", "/")
    if path.startswith("/") or _DRIVE.match(path):
        body = quote(path if path.startswith("/") else "/" + path, safe="/@+:", errors="replace")
        return {"uri": "file://" + body}
    uri = quote(path, safe="/@+", errors="replace")  # a non-UTF-8 file name must not crash
    return {"uri": uri or "unknown", "uriBaseId": "%SRCROOT%"}


def _locations(f: Finding) -> list[dict[str, Any]]:
    """Always one location with an artifact URI: GitHub rejects the whole file when a result has none.

    A file finding points at its file (and lines when known); a dependency finding without a file at its
    manifest; a container finding at its image (with a logical location); a check without a file (pqc, mtls)
    at the check's name, marked `"pseudo": true` in the location's properties.
    """
    loc = f.location
    if loc is not None and loc.image:
        name = f"{loc.image}/{loc.path}" if loc.path else loc.image
        return [
            {
                "physicalLocation": {"artifactLocation": _artifact(loc.image)},
                "logicalLocations": [
                    {"name": loc.image, "fullyQualifiedName": name, "kind": "container-image"}
                ],
                "properties": {"pseudo": True},
            }
        ]
    path = loc.path if loc is not None and loc.path else (f.package.manifest if f.package else None)
    if not path:
        return [
            {
                "physicalLocation": {"artifactLocation": _artifact(f.sources[0] if f.sources else f.rule_id)},
                "properties": {"pseudo": True},
            }
        ]
    phys: dict[str, Any] = {"artifactLocation": _artifact(path)}
    if loc is not None and loc.start_line is not None and loc.start_line >= 1:
        region: dict[str, Any] = {"startLine": loc.start_line}
        if loc.end_line is not None and loc.end_line >= loc.start_line:
            region["endLine"] = loc.end_line
        snippet = safe_snippet(f)
        if snippet:
            region["snippet"] = {"text": snippet}
        phys["region"] = region
    return [{"physicalLocation": phys}]


def _related(f: Finding) -> list[dict[str, Any]]:
    """The other places of a secret found at several (its value masked as everywhere)."""
    out = []
    for n, p in enumerate(other_places(f), start=1):
        phys: dict[str, Any] = {"artifactLocation": _artifact(p.path or "unknown")}
        if p.start_line is not None and p.start_line >= 1:
            phys["region"] = {"startLine": p.start_line}
        text = f"also in commit {p.commit}" if p.commit else "the same secret value"
        out.append({"id": n, "physicalLocation": phys, "message": {"text": text}})
    return out


def _code_flows(f: Finding) -> list[dict[str, Any]] | None:
    """A taint finding's flow, source first and sink last, as one SARIF thread flow (None: no trace)."""
    steps = flow_steps(f)
    if not steps or f.location is None or not f.location.path or f.location.image:
        return None
    artifact = _artifact(f.location.path)
    locs = [{"location": {"physicalLocation": {"artifactLocation": artifact, "region": {"startLine": line}},
                          "message": {"text": what}}} for line, what in steps]
    return [{"message": {"text": flow_text(f) or "taint flow"}, "threadFlows": [{"locations": locs}]}]


def _result(f: Finding, index: int, with_baseline: bool) -> dict[str, Any]:
    text = f.title if not f.message or f.message == f.title else f"{f.title}: {f.message}"
    out: dict[str, Any] = {
        "ruleId": f.rule_id,
        "ruleIndex": index,
        "level": LEVEL[f.severity],
        "message": {"text": text or f.rule_id},
    }
    out["locations"] = _locations(f)
    if related := _related(f):
        out["relatedLocations"] = related
    if (flows := _code_flows(f)) is not None:
        out["codeFlows"] = flows
    out["partialFingerprints"] = {FINGERPRINT_KEY: fingerprint_of(f)}
    if f.suppressed:
        s = f.suppression
        sup: dict[str, Any] = {
            "kind": SUPPRESSION_KIND.get(s.kind, "external") if s else "external",
            "status": "accepted",
        }
        if s is not None:
            sup["justification"] = s.reason
            sup["properties"] = {k: v for k, v in (("owner", s.owner), ("expires", s.expires)) if v}
        out["suppressions"] = [sup]
    if with_baseline:
        out["baselineState"] = "unchanged" if f.pre_existing else "new"
    props: dict[str, Any] = {
        "severity": f.severity.label,
        "raw_severity": f.raw_severity,
        "category": f.category.value,
        "sources": list(f.sources),
        "identifiers": list(f.identifiers),
        "security-severity": SECURITY_SEVERITY[f.severity],
    }
    if f.package is not None:
        props["package"] = {
            "name": f.package.name,
            "version": f.package.version,
            "fixed_versions": list(f.package.fixed_versions),
        }
    if fix_text(f):
        props["remediation"] = fix_text(f)
    if f.suppression is not None and f.suppression.expired:
        props["suppression_expired"] = f.suppression.expires or True
    if f.superseded_by:
        props["superseded_by"] = f.superseded_by
    props["context"] = f.context
    if f.out_of_gate:
        props["out_of_gate"] = f.out_of_gate
    if note := context_note(f):
        props["context_note"] = note
    out["properties"] = props
    return out


def _utc(stamp: str, plus: float = 0.0) -> str | None:
    try:
        when = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    when = when.astimezone(UTC) + timedelta(seconds=plus)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def _notification(s: ScannerResult) -> dict[str, Any]:
    level = "error" if s.incomplete else NOTIFICATION_LEVEL.get(s.status, "note")
    return {
        "level": level,
        "message": {"text": f"{s.name} {s.status.value}: {s.reason or 'no reason given'}"},
        "descriptor": {"id": f"scanner/{s.name}"},
        "properties": {"scanner": s.name, "status": s.status.value, "incomplete": s.incomplete},
    }


def _invocation(result: Result) -> dict[str, Any]:
    notes = [_notification(s) for s in result.scanners if s.status is not Status.OK]
    if result.gate.incomplete and not result.incomplete:
        notes += [{"level": "error", "message": {"text": r}} for r in result.gate.reasons] or [
            {"level": "error", "message": {"text": "the scan was incomplete"}}
        ]
    inv: dict[str, Any] = {
        "executionSuccessful": not is_incomplete(result),
        "exitCode": result.gate.exit_code,
    }
    start, end = _utc(result.started_at), _utc(result.started_at, result.duration_s)
    if start and end:
        inv["startTimeUtc"], inv["endTimeUtc"] = start, end
    if notes:
        inv["toolExecutionNotifications"] = notes
    return inv


def automation_id(result: Result) -> str:
    """A distinct id per run; GitHub uses what comes before the last "/" as the analysis category."""
    target = re.sub(r"[^A-Za-z0-9._-]+", "-", result.target).strip("-.") or "target"
    return f"secscan/{target}/{result.run_id or result.started_at}"


def to_sarif(result: Result) -> dict[str, Any]:
    """The SARIF log as a dict."""
    rules, index = rules_for(result.findings)
    with_baseline = any(f.pre_existing for f in result.findings)
    v = verdict(result)
    driver: dict[str, Any] = {"name": "secscan", "rules": rules}
    if result.secscan_version:
        driver["version"] = driver["semanticVersion"] = result.secscan_version
    extensions = [{"name": s.name, **({"version": s.version} if s.version else {})} for s in result.scanners]
    run: dict[str, Any] = {
        "tool": {"driver": driver, **({"extensions": extensions} if extensions else {})},
        "automationDetails": {"id": automation_id(result)},
        "invocations": [_invocation(result)],
        "columnKind": "unicodeCodePoints",
        "results": [_result(f, index[f.rule_id], with_baseline) for f in result.findings],
        "properties": {
            "target": result.target,
            "run_id": result.run_id,
            "incomplete": v.incomplete,
            "gate": {
                "verdict": v.word,
                "fail_on": result.gate.fail_on,
                "passed": result.gate.passed,
                "exit_code": result.gate.exit_code,
                "reasons": list(v.reasons),
            },
            "counts": result.counts,
            "scanners": [
                {
                    "name": s.name,
                    "status": s.status.value,
                    "version": s.version,
                    "reason": s.reason,
                    "findings": s.findings,
                    "incomplete": s.incomplete,
                }
                for s in result.scanners
            ],
        },
    }
    if result.configuration is not None:  # the configuration in effect (README "Trust model")
        run["properties"]["configuration"] = configuration_to_dict(result.configuration)
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


class SarifFormat(Format):
    """`--format sarif`."""

    name = "sarif"
    files = ("secscan.sarif",)

    def render(self, result: Result) -> dict[str, str | bytes]:
        """{"secscan.sarif": text} (compact when large: GitHub caps uploads at 10 MB gzipped)."""
        indent = 2 if len(result.findings) <= COMPACT_ABOVE else None
        return {"secscan.sarif": json.dumps(to_sarif(result), indent=indent, ensure_ascii=False) + "\n"}
