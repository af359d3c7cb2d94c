"""GitLab security reports, schema version 15.0.x (`--format gitlab`).

Three files, by category: `gl-sast-report.json` (sast, crypto, tls, misconfiguration, iac),
`gl-dependency-scanning-report.json` (dependency, container, license) and `gl-secret-detection-report.json`
(secret; never the value, never `raw_source_code_extract`). `scan.status` is "failure" with `scan.messages`
when the scan was incomplete. Vulnerability ids are UUIDs derived from the fingerprint (stable across runs).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from secscan.core.model import Category, Finding, Result, ScannerResult, Severity, Status
from secscan.formats.context_view import context_note
from secscan.formats.interface import (
    Format,
    fingerprint_of,
    fix_text,
    is_incomplete,
    safe_snippet,
    suppression_text,
)

SCHEMA_VERSION = "15.0.7"
SAST, DEPENDENCY_SCANNING, SECRET_DETECTION = "sast", "dependency_scanning", "secret_detection"
FILES = {
    SAST: "gl-sast-report.json",
    DEPENDENCY_SCANNING: "gl-dependency-scanning-report.json",
    SECRET_DETECTION: "gl-secret-detection-report.json",
}
#: Which report a finding goes to, by category.
REPORT_OF = {
    Category.SAST: SAST,
    Category.CRYPTO: SAST,
    Category.TLS: SAST,
    Category.MISCONFIGURATION: SAST,
    Category.IAC: SAST,
    Category.DEPENDENCY: DEPENDENCY_SCANNING,
    Category.CONTAINER: DEPENDENCY_SCANNING,
    Category.LICENSE: DEPENDENCY_SCANNING,
    Category.SECRET: SECRET_DETECTION,
}
SEVERITY = {
    Severity.CRITICAL: "Critical",
    Severity.HIGH: "High",
    Severity.MEDIUM: "Medium",
    Severity.LOW: "Low",
    Severity.INFO: "Info",
}
PACKAGE_MANAGER = {
    "pypi": "pip",
    "npm": "npm",
    "go": "go",
    "crates.io": "cargo",
    "maven": "maven",
    "rubygems": "bundler",
    "packagist": "composer",
    "nuget": "nuget",
    "debian": "apt",
    "ubuntu": "apt",
    "alpine": "apk",
}
ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://secscan.invalid/gitlab-vulnerability")
NO_COMMIT = {"sha": "0000000"}  # what GitLab's own secret analyzer writes outside a git checkout
MAX_IDENTIFIERS = 20

_CWE = re.compile(r"^CWE-(\d+)$", re.IGNORECASE)
_ADVISORY = re.compile(r"^([A-Z][A-Z0-9]*)-[A-Za-z0-9][A-Za-z0-9._:-]*$", re.IGNORECASE)


def _identifier(ident: str) -> dict[str, Any]:
    ident = ident.strip()
    cwe = _CWE.match(ident)
    if cwe:
        return {
            "type": "cwe",
            "name": f"CWE-{cwe.group(1)}",
            "value": cwe.group(1),
            "url": f"https://cwe.mitre.org/data/definitions/{cwe.group(1)}.html",
        }
    up = ident.upper()
    if up.startswith("CVE-"):
        return {
            "type": "cve",
            "name": up,
            "value": up,
            "url": f"https://nvd.nist.gov/vuln/detail/{quote(up, errors='replace')}",
        }
    if up.startswith("GHSA-"):
        return {
            "type": "ghsa",
            "name": ident,
            "value": ident,
            "url": f"https://github.com/advisories/{quote(ident, errors='replace')}",
        }
    adv = _ADVISORY.match(ident)
    if adv:
        return {
            "type": adv.group(1).lower(),
            "name": ident,
            "value": ident,
            "url": f"https://osv.dev/vulnerability/{quote(ident, errors='replace')}",
        }
    return {"type": "other", "name": ident[:255], "value": ident}


def identifiers(f: Finding) -> list[dict[str, Any]]:
    """Advisories first for package findings (GitLab tracks by the first), else the secscan rule."""
    rule = {"type": "secscan_rule_id", "name": f"secscan rule {f.rule_id}"[:255], "value": f.rule_id}
    others = [_identifier(i) for i in f.identifiers if i.strip()]
    advisories = [i for i in others if i["type"] != "cwe"]
    cwes = [i for i in others if i["type"] == "cwe"]
    ordered = (
        [*advisories, *cwes, rule] if f.package is not None and advisories else [rule, *advisories, *cwes]
    )
    seen: set[tuple[str, str]] = set()
    out = []
    for i in ordered:
        key = (i["type"], str(i["value"]))
        if key not in seen:
            seen.add(key)
            out.append(i)
    return out[:MAX_IDENTIFIERS]


def _lines(f: Finding, out: dict[str, Any]) -> None:
    loc = f.location
    if loc is not None and loc.start_line is not None and loc.start_line >= 1:
        out["start_line"] = loc.start_line
        if loc.end_line is not None and loc.end_line >= loc.start_line:
            out["end_line"] = loc.end_line


def location(f: Finding, kind: str) -> dict[str, Any]:
    """The location object of one vulnerability, shaped for its report type."""
    loc = f.location
    path = loc.path if loc is not None and loc.path else ""
    if kind == DEPENDENCY_SCANNING:
        pkg = f.package
        file = (
            (pkg.manifest if pkg and pkg.manifest else "") or path or (loc.image if loc and loc.image else "")
        )
        dep: dict[str, Any] = {"package": {"name": pkg.name} if pkg else {}}
        if pkg is not None and pkg.version:
            dep["version"] = pkg.version
        return {"file": file or "unknown", "dependency": dep}
    out: dict[str, Any] = {"file": path} if path else {}
    if kind == SECRET_DETECTION:
        out["commit"] = dict(NO_COMMIT)
    _lines(f, out)
    return out


def _description(f: Finding) -> str:
    text = f.message or f.title
    sup = suppression_text(f)
    if sup:
        text += f"\n\n{'Suppressed' if f.suppressed else 'Suppression'} in secscan: {sup}"
    if f.pre_existing:
        text += "\n\nPre-existing: outside the changes under review (--changed-since); not counted."
    if note := context_note(f):
        text += f"\n\nContext: {note}."
    return text[:1_000_000]


def vulnerability(f: Finding, kind: str) -> dict[str, Any]:
    """One GitLab vulnerability."""
    out: dict[str, Any] = {
        "id": str(uuid.uuid5(ID_NAMESPACE, fingerprint_of(f))),
        "name": (f.title or f.rule_id)[:255],
        "description": _description(f),
        "severity": SEVERITY[f.severity],
    }
    fix = fix_text(f)
    if fix:
        out["solution"] = fix[:7000]
    snippet = safe_snippet(f) if kind == SAST else None
    if snippet:
        out["raw_source_code_extract"] = snippet
    out["location"] = location(f, kind)
    out["identifiers"] = identifiers(f)
    links = [{"url": i["url"]} for i in out["identifiers"] if i.get("url") and i["type"] != "cwe"]
    if links:
        out["links"] = links
    if f.suppressed:
        out["flags"] = [
            {
                "type": "flagged-as-likely-false-positive",
                "origin": "secscan",
                "description": suppression_text(f)[:1000] or "suppressed in secscan",
            }
        ]
    return out


def _timestamp(stamp: str, plus: float = 0.0) -> str:
    try:
        when = datetime.fromisoformat(stamp)
    except ValueError:
        when = datetime(1970, 1, 1, tzinfo=UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return (when.astimezone(UTC) + timedelta(seconds=plus)).strftime("%Y-%m-%dT%H:%M:%S")


def scanner_reports(s: ScannerResult) -> frozenset[str]:
    """Which reports a scanner feeds, from the finding categories its outcome says it reports (when it does
    not say, as an imported report: all, so that its failure is fatal everywhere)."""
    return frozenset(REPORT_OF[c] for c in s.categories) if s.categories else frozenset(FILES)


def _message(s: ScannerResult, kind: str) -> dict[str, str]:
    text = f"{s.name} {s.status.value}: {s.reason or 'no reason given'}"
    if not s.incomplete:
        return {"level": "info", "value": text}
    return {"level": "fatal" if kind in scanner_reports(s) else "warn", "value": text}


def scan(result: Result, kind: str) -> dict[str, Any]:
    """The `scan` object; status "failure" (and messages) when the scan was incomplete."""
    version = result.secscan_version or "0"
    tool = {"id": "secscan", "name": "secscan", "vendor": {"name": "secscan"}, "version": version}
    incomplete = is_incomplete(result)
    out: dict[str, Any] = {
        "analyzer": dict(tool),
        "scanner": dict(tool),
        "type": kind,
        "start_time": _timestamp(result.started_at),
        "end_time": _timestamp(result.started_at, result.duration_s),
        "status": "failure" if incomplete else "success",
    }
    messages = [_message(s, kind) for s in result.scanners if s.status is not Status.OK]
    if incomplete:
        messages.insert(
            0,
            {
                "level": "fatal",
                "value": "secscan scan incomplete: some checks did not run, so "
                "missing vulnerabilities do not mean clean",
            },
        )
        if not result.incomplete:
            messages += [{"level": "fatal", "value": r} for r in result.gate.reasons]
    if messages:
        out["messages"] = messages
    return out


def dependency_files(findings: Iterable[Finding]) -> list[dict[str, Any]]:
    """The manifests that dependency findings point at, with the packages seen (required by 15.0.x)."""
    files: dict[str, dict[tuple[str, str], dict[str, Any]]] = {}
    managers: dict[str, str] = {}
    for f in findings:
        pkg = f.package
        if pkg is None:
            continue
        path = location(f, DEPENDENCY_SCANNING)["file"]
        dep: dict[str, Any] = {"package": {"name": pkg.name}}
        if pkg.version:
            dep["version"] = pkg.version
        files.setdefault(path, {})[(pkg.name, pkg.version or "")] = dep
        eco = (pkg.ecosystem or "").lower()
        managers.setdefault(path, PACKAGE_MANAGER.get(eco, eco or "unknown"))
    return [
        {"path": p, "package_manager": managers[p], "dependencies": [deps[k] for k in sorted(deps)]}
        for p, deps in sorted(files.items())
    ]


def report(result: Result, kind: str) -> dict[str, Any]:
    """One GitLab report (dict) of the given type."""
    mine = [f for f in result.findings if REPORT_OF[f.category] == kind]
    out: dict[str, Any] = {
        "version": SCHEMA_VERSION,
        "vulnerabilities": [vulnerability(f, kind) for f in mine],
        "remediations": [],
    }
    if kind == DEPENDENCY_SCANNING:
        out["dependency_files"] = dependency_files(mine)
    out["scan"] = scan(result, kind)
    return out


class GitLabFormat(Format):
    """`--format gitlab`: the three GitLab security reports."""

    name = "gitlab"
    files = tuple(FILES.values())

    def render(self, result: Result) -> dict[str, str | bytes]:
        """File name -> JSON text, for each of the three reports."""
        return {
            name: json.dumps(report(result, kind), indent=2, ensure_ascii=False) + "\n"
            for kind, name in FILES.items()
        }
