"""Normalize checkov JSON (``checkov --output json``): infrastructure-as-code checks, category ``iac``.

checkov prints one report object per framework (``{"check_type", "results": {"passed_checks",
"failed_checks", "skipped_checks", "parsing_errors"}, "summary"}``), a list of them when several frameworks
ran, or a bare summary object (``{"passed": 0, "failed": 0, ..., "checkov_version"}``) when nothing was
scanned. Every failed check is a finding. Skipped checks (a ``checkov:skip=`` comment in the scanned file)
are counted and listed in the evidence with their comment: what the tree switches off is shown. Files checkov
could not parse make the outcome PARTIAL with their names.

Severity: checkov's own word when it gives one (a platform run, an imported file), else the table
``rules/iac/severity.yaml`` by check id, else medium; ``properties.severity_rule`` says which.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from secscan.core.model import Category, Finding, Location, Parsed, Severity, Status
from secscan.core.resources import load_yaml, rules_path
from secscan.parsers.interface import load_json, norm_path
from secscan.parsers.reader import Reader

TOOL = "checkov"

#: checkov's severity words (Prisma Cloud's) -> Severity.
SEVERITY_WORDS: dict[str, Severity] = {
    "CRITICAL": Severity.CRITICAL,
    "HIGH": Severity.HIGH,
    "MEDIUM": Severity.MEDIUM,
    "LOW": Severity.LOW,
    "INFO": Severity.INFO,
}
NO_SEVERITY = "unset"  # raw_severity when checkov gives none (always, offline)
SUMMARY_KEYS = ("passed", "failed", "skipped", "parsing_errors", "resource_count")


@cache
def severity_table() -> tuple[dict[str, Severity], Severity]:
    """(check id -> severity, the default) from rules/iac/severity.yaml."""
    data = load_yaml(rules_path("iac", "severity.yaml").read_text("utf-8")) or {}
    checks = {str(k): Severity.from_label(str(v)) for k, v in (data.get("checks") or {}).items()}
    return checks, Severity.from_label(str(data.get("default", "medium")))


def severity_for(check_id: str, raw: str | None) -> tuple[Severity, str]:
    """(severity, rule): checkov's word, else the table by check id, else the default."""
    word = (raw or "").strip().upper()
    if word in SEVERITY_WORDS:
        return SEVERITY_WORDS[word], "checkov"
    table, default = severity_table()
    if check_id in table:
        return table[check_id], "table"
    return default, "default-medium" if default is Severity.MEDIUM else "default"


def _path(r: Reader, c: dict[str, Any], where: str, absolute: bool) -> str:
    """The checked file: the absolute path (scanner runs, made relative later) or the path relative to the
    scanned folder (imports of ``checkov -d DIR`` output)."""
    rel = r.text(c, "file_path", where)
    abs_path = r.text(c, "file_abs_path", where)
    if absolute and abs_path:
        return norm_path(abs_path)
    if rel and not rel.startswith("/.."):
        return norm_path(rel).lstrip("/")
    if abs_path or rel:
        return norm_path(abs_path or rel or "")
    raise r.fail(f"{where} has neither file_path nor file_abs_path")


def _lines(r: Reader, c: dict[str, Any], where: str) -> tuple[int | None, int | None]:
    span = c.get("file_line_range")
    if span is None:
        return None, None
    if not (isinstance(span, list) and len(span) == 2 and all(isinstance(n, int) and not isinstance(n, bool)
                                                              for n in span)):
        raise r.fail(f"{where}.file_line_range is not a [start, end] pair of integers")
    start, end = span
    if end < 1:
        return None, None
    return max(start, 1), max(end, start, 1)  # checkov says [0, 1] for a whole-workflow check


def _finding(r: Reader, c: dict[str, Any], where: str, framework: str, absolute: bool) -> Finding:
    check_id = r.text(c, "check_id", where, required=True) or ""
    name = r.text(c, "check_name", where) or check_id
    raw = r.text(c, "severity", where)
    severity, rule = severity_for(check_id, raw)
    resource = r.text(c, "resource", where)
    start, end = _lines(r, c, where)
    guideline = r.text(c, "guideline", where)
    bc_id = r.text(c, "bc_check_id", where)
    props = {"framework": framework, "resource": resource, "check_class": r.text(c, "check_class", where),
             "severity_rule": rule, "guideline": guideline}
    return Finding(
        rule_id=check_id, title=name, message=f"{name} ({resource})" if resource else name,
        severity=severity, raw_severity=raw or NO_SEVERITY, category=Category.IAC, sources=(TOOL,),
        location=Location(_path(r, c, where, absolute), start, end),
        identifiers=(bc_id,) if bc_id and bc_id != check_id else (),
        remediation=f"see {guideline}" if guideline else None,
        properties={k: v for k, v in props.items() if v is not None},
    )


def _skipped(r: Reader, c: dict[str, Any], where: str, absolute: bool) -> dict[str, Any]:
    start, _ = _lines(r, c, where)
    result = r.sub(c, "check_result", where)
    return {"check_id": r.text(c, "check_id", where) or "", "path": _path(r, c, where, absolute),
            "line": start, "comment": r.text(result, "suppress_comment", f"{where}.check_result") or ""}


def _reports(r: Reader, data: Any) -> list[dict[str, Any]]:
    if isinstance(data, list):
        return [r.obj(item, f"[{i}]") for i, item in enumerate(data)]
    if isinstance(data, dict) and "check_type" in data:
        return [data]
    if isinstance(data, dict) and "checkov_version" in data and set(SUMMARY_KEYS) & set(data):
        return []  # nothing was scanned: checkov prints its bare summary
    raise r.fail("neither a checkov report, a list of them, nor checkov's summary")


def _version(data: Any, reports: list[dict[str, Any]]) -> str | None:
    for d in [data, *(rep.get("summary") for rep in reports)]:
        if isinstance(d, dict) and isinstance(d.get("checkov_version"), str):
            return str(d["checkov_version"])
    return None


def parse(text: str | bytes, source: str = "<input>", absolute_paths: bool = False) -> Parsed:
    """checkov JSON -> findings, coverage and evidence; raises only ParseError."""
    r = Reader(TOOL, source)
    data = load_json(text, TOOL, source)
    reports = _reports(r, data)
    cov = dict.fromkeys(("frameworks", "checks_failed", "checks_passed", "checks_skipped", "parsing_errors",
                         "resources"), 0)
    findings: list[Finding] = []
    skipped: list[dict[str, Any]] = []
    parse_errors: list[str] = []
    files: set[str] = set()
    frameworks: dict[str, dict[str, int]] = {}
    for i, rep in enumerate(reports):
        where = f"[{i}]"
        framework = r.text(rep, "check_type", where, required=True) or ""
        results = r.sub(rep, "results", where)
        for j, c in enumerate(r.seq(results, "failed_checks", f"{where}.results")):
            f = _finding(r, r.obj(c, f"{where}.failed_checks[{j}]"), f"{where}.failed_checks[{j}]", framework,
                         absolute_paths)
            findings.append(f)
            files.add(f.location.path if f.location else "")
        for j, c in enumerate(r.seq(results, "passed_checks", f"{where}.results")):
            files.add(_path(r, r.obj(c, f"{where}.passed_checks[{j}]"), f"{where}.passed_checks[{j}]",
                            absolute_paths))
        for j, c in enumerate(r.seq(results, "skipped_checks", f"{where}.results")):
            item = _skipped(r, r.obj(c, f"{where}.skipped_checks[{j}]"), f"{where}.skipped_checks[{j}]",
                            absolute_paths)
            skipped.append(item)
            files.add(item["path"])
        parse_errors += [norm_path(p) for p in r.texts(results, "parsing_errors", f"{where}.results")]
        summary = r.sub(rep, "summary", where)
        counts = {k: int(r.num(summary, k, f"{where}.summary") or 0) for k in SUMMARY_KEYS}
        frameworks[framework] = counts
        cov["frameworks"] += 1
        cov["checks_failed"] += max(counts["failed"], 0)
        cov["checks_passed"] += max(counts["passed"], 0)
        cov["checks_skipped"] += max(counts["skipped"], 0)
        cov["parsing_errors"] += max(counts["parsing_errors"], 0)
        cov["resources"] += max(counts["resource_count"], 0)
    status, reason = Status.OK, None
    errors = sorted(set(parse_errors))
    if errors or cov["parsing_errors"]:
        status = Status.PARTIAL
        named = ", ".join(errors[:5]) + (f" (+{len(errors) - 5} more)" if len(errors) > 5 else "")
        reason = f"checkov could not parse {max(len(errors), cov['parsing_errors'])} file(s)" + (
            f": {named}" if named else "")
    evidence = {"frameworks": frameworks, "parse_errors": errors, "skipped_checks": skipped,
                "files_with_results": sorted(p for p in files if p)}
    return Parsed(tool=TOOL, findings=tuple(findings), status=status, reason=reason, coverage=cov,
                  version=_version(data, reports), evidence=evidence)
