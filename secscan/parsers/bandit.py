"""Normalize bandit JSON (``bandit -f json``).

Severity comes from bandit's issue severity *and* confidence through :data:`SEVERITY_TABLE`; the
severity word is kept in ``raw_severity`` and the confidence in ``properties["confidence"]``.
``errors[]`` (files bandit could not parse) make the outcome PARTIAL, or FAILED when no file at all
could be scanned. Bandit JSON carries no version: ``Parsed.version`` stays None.
"""

from __future__ import annotations

import math
from typing import Any

from secscan.core.errors import ParseError
from secscan.core.model import Category, Finding, Location, Parsed, Severity, Status
from secscan.parsers.interface import (
    as_dict,
    as_list,
    cwe_ids,
    expect,
    load_json,
    norm_path,
    opt_int,
    opt_str,
)

TOOL = "bandit"

#: (issue_severity, issue_confidence) -> Severity. Low confidence lowers a severity by one step;
#: undefined confidence counts as low; an UNDEFINED severity is informational.
SEVERITY_TABLE: dict[tuple[str, str], Severity] = {
    ("HIGH", "HIGH"): Severity.HIGH,
    ("HIGH", "MEDIUM"): Severity.HIGH,
    ("HIGH", "LOW"): Severity.MEDIUM,
    ("HIGH", "UNDEFINED"): Severity.MEDIUM,
    ("MEDIUM", "HIGH"): Severity.MEDIUM,
    ("MEDIUM", "MEDIUM"): Severity.MEDIUM,
    ("MEDIUM", "LOW"): Severity.LOW,
    ("MEDIUM", "UNDEFINED"): Severity.LOW,
    ("LOW", "HIGH"): Severity.LOW,
    ("LOW", "MEDIUM"): Severity.LOW,
    ("LOW", "LOW"): Severity.LOW,
    ("LOW", "UNDEFINED"): Severity.LOW,
    ("UNDEFINED", "HIGH"): Severity.INFO,
    ("UNDEFINED", "MEDIUM"): Severity.INFO,
    ("UNDEFINED", "LOW"): Severity.INFO,
    ("UNDEFINED", "UNDEFINED"): Severity.INFO,
}

#: A severity word outside the table (a future bandit) is not dropped: it is read as medium.
UNKNOWN_SEVERITY = Severity.MEDIUM

#: How many file names a reason text lists before "(+N more)".
REASON_FILES = 3
MAX_SNIPPET = 300


def severity_for(severity: str, confidence: str) -> Severity:
    """The table lookup; an unknown confidence counts as UNDEFINED, an unknown severity as medium."""
    sev, conf = severity.strip().upper(), confidence.strip().upper()
    if conf not in ("HIGH", "MEDIUM", "LOW"):
        conf = "UNDEFINED"
    return SEVERITY_TABLE.get((sev, conf), UNKNOWN_SEVERITY)


def _count(value: Any) -> int:
    """A metric as an int (old bandit writes floats); anything else counts 0."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return max(value, 0)
    if isinstance(value, float) and math.isfinite(value) and value >= 0:
        return int(value)
    return 0


def _snippet(code: Any, line: int | None) -> str | None:
    """The text of `line` from bandit's numbered ``code`` excerpt."""
    if not isinstance(code, str) or line is None:
        return None
    want = str(line)
    for row in code.splitlines():
        head, _, rest = row.partition(" ")
        if head == want:
            text = rest.rstrip()
            return text[:MAX_SNIPPET] if text.strip() else None
    return None


def _cwes(value: Any) -> tuple[str, ...]:
    try:
        return cwe_ids(value)
    except ValueError:  # an absurdly long number
        return ()


def _lines(item: dict[str, Any]) -> tuple[int | None, int | None]:
    line = opt_int(item.get("line_number"))
    rng = item.get("line_range")
    nums = [n for n in (opt_int(x) for x in rng) if n is not None] if isinstance(rng, list) else []
    if nums:
        return min(nums), max(nums)
    return line, line


def _finding(item: Any, idx: int, source: str) -> Finding:
    rec = as_dict(item, TOOL, source, f"results[{idx}]")
    test_id, filename = opt_str(rec.get("test_id")), opt_str(rec.get("filename"))
    raw = rec.get("issue_severity")
    if test_id is None:
        raise ParseError(TOOL, source, f"results[{idx}] has no test_id (not bandit output?)")
    if filename is None:
        raise ParseError(TOOL, source, f"results[{idx}] has no filename")
    if not isinstance(raw, str) or not raw.strip():
        raise ParseError(TOOL, source, f"results[{idx}] has no issue_severity")
    conf = opt_str(rec.get("issue_confidence")) or "UNDEFINED"
    start, end = _lines(rec)
    test_name = opt_str(rec.get("test_name"))
    props: dict[str, Any] = {"confidence": conf}
    for key in ("test_name", "more_info"):
        if opt_str(rec.get(key)):
            props[key] = rec[key]
    for key in ("col_offset", "end_col_offset"):
        if opt_int(rec.get(key)) is not None:
            props[key] = rec[key]
    return Finding(
        rule_id=test_id,
        title=test_name or test_id,
        message=opt_str(rec.get("issue_text")) or test_name or test_id,
        severity=severity_for(raw, conf),
        raw_severity=raw,
        category=Category.SAST,
        sources=(TOOL,),
        location=Location(norm_path(filename), start, end),
        identifiers=_cwes(rec.get("issue_cwe")),
        snippet=_snippet(rec.get("code"), opt_int(rec.get("line_number")) or start),
        properties=props,
    )


def _errors(value: Any, source: str) -> list[tuple[str, str]]:
    """(filename, reason) for every entry of errors[]."""
    out: list[tuple[str, str]] = []
    for idx, item in enumerate(as_list(value, TOOL, source, "errors")):
        rec = as_dict(item, TOOL, source, f"errors[{idx}]")
        name = opt_str(rec.get("filename")) or "<unknown file>"
        out.append((norm_path(name), opt_str(rec.get("reason")) or "unknown error"))
    return out


def _error_reason(errors: list[tuple[str, str]], scanned: int) -> str:
    shown = ", ".join(f"{name} ({why})" for name, why in errors[:REASON_FILES])
    more = f" (+{len(errors) - REASON_FILES} more)" if len(errors) > REASON_FILES else ""
    tail = "; no file was scanned" if scanned == 0 else ""
    return f"bandit could not scan {len(errors)} file(s): {shown}{more}{tail}"


def parse(text: str | bytes, source: str = "<input>") -> Parsed:
    """Bandit JSON text -> findings, coverage and health."""
    data = as_dict(load_json(text, TOOL, source), TOOL, source, "the top level")
    expect("results" in data, TOOL, source, "no 'results' key (not bandit JSON?)")
    expect("metrics" in data, TOOL, source, "no 'metrics' key (not bandit JSON?)")
    results = as_list(data["results"], TOOL, source, "results")
    metrics = as_dict(data["metrics"], TOOL, source, "metrics")
    errors = _errors(data.get("errors", []), source)
    findings = tuple(_finding(item, i, source) for i, item in enumerate(results))
    totals = metrics.get("_totals")
    totals = totals if isinstance(totals, dict) else {}
    failed_files = {name for name, _ in errors}
    files = [norm_path(k) for k in metrics if k != "_totals"]
    scanned = sum(1 for f in files if f not in failed_files)
    coverage = {
        "files_scanned": scanned,
        "loc": _count(totals.get("loc")),
        "nosec": _count(totals.get("nosec")),
        "errors": len(errors),
    }
    status, reason = Status.OK, None
    if errors:
        status = Status.FAILED if scanned == 0 and not findings else Status.PARTIAL
        reason = _error_reason(errors, scanned)
    evidence = {"failed_files": {name: why for name, why in errors}} if errors else None
    return Parsed(TOOL, findings, status, reason, coverage, None, evidence)
