"""Normalize GitLab security reports (``secscan import gitlab FILE``).

Reads gl-sast-report, gl-dependency-scanning-report, gl-secret-detection-report and
gl-container-scanning-report JSON, schema 15.x and older (2.x, 3.x, 14.x). The category comes from
``scan.type``, else the vulnerability's own ``category`` (older schemas), else the file name
(``source``: "secret-detection" / "dependency-scanning" / "container-scanning" in it), else sast.
``rule_id`` is the value of the first identifier that is not a CWE (its name instead when the value is
prose and the name a single token, as njsscan writes them). ``scan.status == "failure"`` makes the
outcome FAILED with ``scan.messages`` as the reason (the findings that are there are still returned).
Secret-detection findings never copy ``raw_source_code_extract``, the commit, or any other value field.
``version`` is ``scan.analyzer.version``, else ``scan.scanner.version``.
"""

from __future__ import annotations

import math
import re
from typing import Any

from secscan.core.model import Category, Finding, Location, Package, Parsed, Severity, Status
from secscan.parsers.interface import load_json, norm_path
from secscan.parsers.reader import Reader, cwe_list

TOOL = "gitlab"

#: GitLab severity word (case-insensitive) -> Severity. "Unknown" and "Undefined" (schema 2.x) mean the
#: analyzer could not rate it: read as medium, never as clean. Any other word is also medium.
SEVERITY_TABLE: dict[str, Severity] = {
    "critical": Severity.CRITICAL,
    "high": Severity.HIGH,
    "medium": Severity.MEDIUM,
    "low": Severity.LOW,
    "info": Severity.INFO,
    "unknown": Severity.MEDIUM,
    "undefined": Severity.MEDIUM,
}
UNKNOWN_SEVERITY = Severity.MEDIUM

#: Report type (``scan.type`` / ``vulnerabilities[].category``) -> Category. Other types (dast,
#: api_fuzzing, coverage_fuzzing) are not supported and raise ParseError.
CATEGORY_TABLE: dict[str, Category] = {
    "sast": Category.SAST,
    "dependency_scanning": Category.DEPENDENCY,
    "secret_detection": Category.SECRET,
    "container_scanning": Category.CONTAINER,
    "cluster_image_scanning": Category.CONTAINER,
}

#: File-name hints for reports without any type (schema 2.x): the first match wins; default sast.
FILENAME_HINTS: tuple[tuple[str, str], ...] = (
    ("secret", "secret_detection"),
    ("dependency", "dependency_scanning"),
    ("container", "container_scanning"),
)

#: ``dependency_files[].package_manager`` -> ecosystem (OSV names); others keep their own name.
ECOSYSTEMS: dict[str, str] = {
    "npm": "npm", "yarn": "npm", "pnpm": "npm",
    "pip": "PyPI", "pipenv": "PyPI", "poetry": "PyPI", "setuptools": "PyPI", "conda": "conda",
    "go": "Go", "maven": "Maven", "gradle": "Maven", "sbt": "Maven",
    "bundler": "RubyGems", "composer": "Packagist", "nuget": "NuGet", "conan": "ConanCenter",
}

_ADVISORY = re.compile(r"^(CVE-\d{4}-\d{4,}|GHSA(?:-[23456789cfghjmpqrvwx]{4}){3})$", re.IGNORECASE)
_UPGRADE = re.compile(r"upgrade to versions? (\S+?)\.? or (?:above|later)", re.IGNORECASE)


def severity_for(word: str) -> Severity:
    """The table lookup; a word outside it is medium."""
    return SEVERITY_TABLE.get(word.strip().lower(), UNKNOWN_SEVERITY)


class _R(Reader):
    """Typed access to GitLab report fields."""

    def __init__(self, source: str) -> None:
        super().__init__(TOOL, source)

    def scalar(self, d: dict[str, Any], key: str, where: str) -> str | None:
        """A string or an int (identifier values such as a CWE number), as text."""
        value = d.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise self.fail(f"{where}.{key} is {type(value).__name__}, expected a string")
        return str(value)

    def line(self, d: dict[str, Any], key: str, where: str) -> int | None:
        value = d.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(f"{where}.{key} is {type(value).__name__}, expected a line number")
        if isinstance(value, float) and (not math.isfinite(value) or value != int(value)):
            return None
        return int(value) if value >= 1 else None


def _report_type(r: _R, scan: dict[str, Any], source: str) -> str | None:
    kind = r.text(scan, "type", "scan")
    if kind is not None:
        return kind
    name = source.lower().replace("_", "-")
    return next((kind for hint, kind in FILENAME_HINTS if hint in name), None)


def _category(r: _R, kind: str, where: str) -> Category:
    cat = CATEGORY_TABLE.get(kind.strip().lower())
    if cat is None:
        known = ", ".join(sorted(CATEGORY_TABLE))
        raise r.fail(f"{where} report type {kind!r} is not supported (expected one of {known})")
    return cat


def _rule_word(value: str | None, name: str | None) -> str | None:
    """The identifier's value; when that is prose (njsscan puts its message there) and the name is one
    token (the rule name), the name."""
    prose = value is not None and len(value.split()) > 1
    if prose and name and len(name.split()) == 1:
        return name.strip()
    return value or name


def _identifiers(r: _R, v: dict[str, Any], where: str) -> tuple[str | None, tuple[str, ...]]:
    """(rule_id: first non-CWE identifier value, advisory ids and CWEs)."""
    rule: str | None = None
    out: list[str] = []
    for i, ident in enumerate(r.seq(v, "identifiers", where)):
        iw = f"{where}.identifiers[{i}]"
        ident = r.obj(ident, iw)
        kind = (r.text(ident, "type", iw) or "").lower()
        name, value = r.text(ident, "name", iw), r.scalar(ident, "value", iw)
        if kind == "cwe":
            out.extend(cwe_list([name]) or cwe_list([value]))
            continue
        if rule is None:
            rule = _rule_word(value, name)
        for text in (value, name):
            if text and _ADVISORY.match(text):
                out.append(text.upper() if text.upper().startswith("CVE") else "GHSA" + text[4:].lower())
    cve = r.text(v, "cve", where)  # schema < 15: a compare key, sometimes a real CVE id
    if cve and _ADVISORY.match(cve) and cve.upper().startswith("CVE"):
        out.append(cve.upper())
    return rule, tuple(dict.fromkeys(out))


def _dependency(r: _R, loc: dict[str, Any], where: str, managers: dict[str, str],
                solution: str | None) -> Package | None:
    dep = r.sub(loc, "dependency", where)
    name = r.text(r.sub(dep, "package", f"{where}.dependency"), "name", f"{where}.dependency.package")
    if name is None:
        return None
    manifest = r.text(loc, "file", where)
    fixed = _UPGRADE.search(solution or "")
    manager = managers.get(manifest or "")
    return Package(name=name, version=r.text(dep, "version", f"{where}.dependency"),
                   fixed_versions=(fixed.group(1),) if fixed else (),
                   ecosystem=ECOSYSTEMS.get(manager, manager) if manager else None,
                   manifest=norm_path(manifest) if manifest else None)


def _location(r: _R, loc: dict[str, Any], where: str, cat: Category) -> Location | None:
    path = r.text(loc, "file", where)
    image = r.text(loc, "image", where)
    if path is None and image is None:
        return None
    start = r.line(loc, "start_line", where)
    end = r.line(loc, "end_line", where)
    if cat is Category.CONTAINER:
        return Location(path=norm_path(path) if path else image or "", image=image)
    return Location(path=norm_path(path or ""), start_line=start, end_line=end if end is not None else start)


def _vulnerability(r: _R, v: dict[str, Any], where: str, cat: Category, managers: dict[str, str],
                   analyzer: str | None) -> Finding:
    rule, idents = _identifiers(r, v, where)
    name = r.text(v, "name", where) or r.text(v, "message", where)
    rule = rule or name or r.text(v, "id", where)
    if rule is None:
        raise r.fail(f"{where} has no identifier, name or id")
    raw = r.text(v, "severity", where) or "Unknown"
    loc = r.sub(v, "location", where)
    solution = r.text(v, "solution", where)
    has_pkg = cat in (Category.DEPENDENCY, Category.CONTAINER)
    pkg = _dependency(r, loc, where, managers, solution) if has_pkg else None
    if cat is Category.SECRET:  # never raw_source_code_extract, commit or any value: only the rule words
        message = r.text(v, "description", where) or name or rule
    else:
        message = r.text(v, "description", where) or r.text(v, "message", where) or name or rule
    props = {"gitlab_id": r.text(v, "id", where), "analyzer": analyzer,
             "confidence": r.text(v, "confidence", where),
             "class": r.text(loc, "class", where), "method": r.text(loc, "method", where)}
    return Finding(
        rule_id=rule, title=name or rule, message=message, severity=severity_for(raw), raw_severity=raw,
        category=cat, sources=(TOOL,), location=_location(r, loc, f"{where}.location", cat), package=pkg,
        identifiers=idents, remediation=solution, secret_hash=None,
        properties={k: x for k, x in props.items() if x is not None},
    )


def _dependency_files(r: _R, data: dict[str, Any]) -> tuple[dict[str, str], int, int]:
    """(manifest path -> package manager, number of files, number of dependencies listed)."""
    managers: dict[str, str] = {}
    count = 0
    files = r.seq(data, "dependency_files", "report")
    for i, df in enumerate(files):
        where = f"dependency_files[{i}]"
        df = r.obj(df, where)
        path, manager = r.text(df, "path", where), r.text(df, "package_manager", where)
        if path and manager:
            managers[path] = manager.lower()
        count += len(r.seq(df, "dependencies", where))
    return managers, len(files), count


def _failure_reason(r: _R, scan: dict[str, Any]) -> str:
    texts: list[str] = []
    for i, msg in enumerate(r.seq(scan, "messages", "scan")):
        msg = r.obj(msg, f"scan.messages[{i}]")
        value = r.text(msg, "value", f"scan.messages[{i}]")
        if value:
            level = r.text(msg, "level", f"scan.messages[{i}]")
            texts.append(f"{level}: {value}" if level else value)
    return "GitLab scan failed" + (": " + "; ".join(texts) if texts else " (no messages in the report)")


def parse(text: str | bytes, source: str = "<input>") -> Parsed:
    """GitLab security report JSON -> findings and coverage; raises only ParseError."""
    r = _R(source)
    data = load_json(text, TOOL, source)
    if not isinstance(data, dict):
        raise r.fail(f"top level is {type(data).__name__}, expected a GitLab report object")
    if not isinstance(data.get("vulnerabilities"), list) or not ("version" in data or "scan" in data):
        raise r.fail("no vulnerabilities list with a version or scan: not a GitLab security report")
    r.text(data, "version", "report")
    scan = r.sub(data, "scan", "report")
    kind = _report_type(r, scan, source)
    default = _category(r, kind, "scan.type") if kind else None
    analyzer_info = r.sub(scan, "analyzer", "scan")
    scanner_info = r.sub(scan, "scanner", "scan")
    version = (r.text(analyzer_info, "version", "scan.analyzer")
               or r.text(scanner_info, "version", "scan.scanner"))
    analyzer = r.text(scanner_info, "id", "scan.scanner") or r.text(analyzer_info, "id", "scan.analyzer")
    managers, files, dependencies = _dependency_files(r, data)
    findings = []
    for i, v in enumerate(data["vulnerabilities"]):
        where = f"vulnerabilities[{i}]"
        v = r.obj(v, where)
        cat = default or _category(r, r.text(v, "category", where) or "sast", where)
        findings.append(_vulnerability(r, v, where, cat, managers, analyzer))
    coverage = {"vulnerabilities": len(findings)}
    if "dependency_files" in data:
        coverage.update(dependency_files=files, dependencies=dependencies)
    status, reason = Status.OK, None
    scan_status = r.text(scan, "status", "scan")
    if scan_status and scan_status.lower() == "failure":
        status, reason = Status.FAILED, _failure_reason(r, scan)
    return Parsed(tool=TOOL, findings=tuple(findings), status=status, reason=reason, coverage=coverage,
                  version=version)
