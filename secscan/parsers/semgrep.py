"""Normalize semgrep JSON (``semgrep scan --json``).

Severity comes from the rule's severity word through :data:`SEVERITY_TABLE` (the word is kept in
``raw_severity``). ``rule_id`` is the check_id as given; the title is its last dotted component.
``errors[]`` decide health: level "error" entries (invalid rules, a missing target, a crash) make the
outcome FAILED when semgrep produced no result and scanned no path, else PARTIAL; level "warn" entries
(partial parsing, syntax errors, timeouts on a file) make it PARTIAL and the reason names the files.
"""

from __future__ import annotations

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

TOOL = "semgrep"

#: semgrep's rule severity words (classic and the newer CVSS-like set) -> Severity.
SEVERITY_TABLE: dict[str, Severity] = {
    "CRITICAL": Severity.CRITICAL,
    "ERROR": Severity.HIGH,
    "HIGH": Severity.HIGH,
    "WARNING": Severity.MEDIUM,
    "MEDIUM": Severity.MEDIUM,
    "INFO": Severity.LOW,
    "LOW": Severity.LOW,
    "INVENTORY": Severity.INFO,
    "EXPERIMENT": Severity.INFO,
}

#: A severity word outside the table (a future semgrep) is not dropped: it is read as medium.
UNKNOWN_SEVERITY = Severity.MEDIUM

#: Metadata keys copied into ``properties`` when they are a string or a list of strings.
METADATA_PROPERTIES = ("confidence", "category", "subcategory", "likelihood", "impact", "owasp", "references")

#: What semgrep prints instead of lines and fingerprints when not logged in.
REQUIRES_LOGIN = "requires login"
MAX_SNIPPET = 300
MAX_MESSAGE = 200
REASON_ITEMS = 3


def severity_for(word: str) -> Severity:
    """The table lookup (case-insensitive); unknown words are medium."""
    return SEVERITY_TABLE.get(word.strip().upper(), UNKNOWN_SEVERITY)


def _cwes(value: Any) -> tuple[str, ...]:
    try:
        return cwe_ids(value)
    except ValueError:
        return ()


def _strings(value: Any) -> str | list[str] | None:
    """A string, or the strings of a list; None for anything else."""
    if isinstance(value, str) and value:
        return value
    if isinstance(value, list):
        items = [v for v in value if isinstance(v, str) and v]
        return items or None
    return None


def _snippet(lines: Any) -> str | None:
    if not isinstance(lines, str) or lines.strip() == REQUIRES_LOGIN:
        return None
    first = lines.splitlines()[0].strip() if lines.strip() else ""
    return first[:MAX_SNIPPET] or None


def _line(pos: Any) -> int | None:
    return opt_int(pos.get("line")) if isinstance(pos, dict) else None


def _properties(extra: dict[str, Any], metadata: dict[str, Any]) -> dict[str, Any]:
    props: dict[str, Any] = {}
    for key in METADATA_PROPERTIES:
        val = _strings(metadata.get(key))
        if val is not None:
            props[key] = val
    if isinstance(extra.get("fix"), str):
        props["fix"] = extra["fix"]
    if extra.get("is_ignored") is True:
        props["is_ignored"] = True
    return props


def _finding(item: Any, idx: int, source: str) -> Finding:
    rec = as_dict(item, TOOL, source, f"results[{idx}]")
    check_id, path = opt_str(rec.get("check_id")), opt_str(rec.get("path"))
    if check_id is None:
        raise ParseError(TOOL, source, f"results[{idx}] has no check_id (not semgrep output?)")
    if path is None:
        raise ParseError(TOOL, source, f"results[{idx}] has no path")
    extra = as_dict(rec.get("extra"), TOOL, source, f"results[{idx}].extra")
    raw = extra.get("severity")
    if not isinstance(raw, str) or not raw.strip():
        raise ParseError(TOOL, source, f"results[{idx}] has no extra.severity")
    meta = extra.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    start = _line(rec.get("start"))
    end = _line(rec.get("end")) or start
    title = check_id.rsplit(".", 1)[-1] or check_id
    return Finding(
        rule_id=check_id,
        title=title,
        message=(opt_str(extra.get("message")) or title).strip() or title,
        severity=severity_for(raw),
        raw_severity=raw,
        category=Category.SAST,
        sources=(TOOL,),
        location=Location(norm_path(path), start, end),
        identifiers=_cwes(meta.get("cwe")),
        snippet=_snippet(extra.get("lines")),
        properties=_properties(extra, meta),
    )


def _error_type(err: dict[str, Any]) -> str:
    kind = err.get("type")
    if isinstance(kind, list) and kind and isinstance(kind[0], str):
        return kind[0]
    return kind if isinstance(kind, str) and kind else "error"


def _error_path(err: dict[str, Any]) -> str | None:
    path = opt_str(err.get("path"))
    spans = err.get("spans")
    if path is None and isinstance(spans, list) and spans and isinstance(spans[0], dict):
        path = opt_str(spans[0].get("file"))
    return norm_path(path) if path else None


def _error_text(err: dict[str, Any]) -> str:
    for key in ("long_msg", "message", "short_msg"):
        text = opt_str(err.get(key))
        if text:
            text = " ".join(text.split())
            return text[:MAX_MESSAGE] + ("..." if len(text) > MAX_MESSAGE else "")
    return "no message"


def _few(items: list[str]) -> str:
    more = f" (+{len(items) - REASON_ITEMS} more)" if len(items) > REASON_ITEMS else ""
    return ", ".join(items[:REASON_ITEMS]) + more


def _health(errors: list[Any], has_output: bool, source: str) -> tuple[Status, str | None]:
    """Status and reason from errors[]; has_output: any result or any scanned path."""
    hard: list[str] = []
    soft_files: list[str] = []
    soft_kinds: list[str] = []
    for idx, item in enumerate(errors):
        err = as_dict(item, TOOL, source, f"errors[{idx}]")
        level = (opt_str(err.get("level")) or "error").lower()
        if level == "info":
            continue
        if level in ("warn", "warning"):
            path = _error_path(err)
            if path and path not in soft_files:
                soft_files.append(path)
            soft_kinds.append(_error_type(err))
        else:
            hard.append(f"{_error_type(err)}: {_error_text(err)}")
    reasons: list[str] = []
    if hard:
        reasons.append(f"semgrep reported {len(hard)} error(s): " + "; ".join(hard[:REASON_ITEMS])
                       + (f" (+{len(hard) - REASON_ITEMS} more)" if len(hard) > REASON_ITEMS else ""))
    if soft_kinds:
        kinds = ", ".join(dict.fromkeys(soft_kinds))
        where = f"{len(soft_files)} file(s): {_few(soft_files)}" if soft_files else "some files"
        reasons.append(f"semgrep could not fully analyse {where} ({kinds})")
    if not reasons:
        return Status.OK, None
    status = Status.FAILED if hard and not has_output else Status.PARTIAL
    return status, "; ".join(reasons)


def _coverage(data: dict[str, Any], n_errors: int) -> tuple[dict[str, int], int]:
    """Coverage counts, and the number of scanned paths (0 when unknown)."""
    cov: dict[str, int] = {"errors": n_errors}
    paths = data.get("paths")
    scanned = 0
    if isinstance(paths, dict):
        if isinstance(paths.get("scanned"), list):
            scanned = len(paths["scanned"])
            cov["files_scanned"] = scanned
        if isinstance(paths.get("skipped"), list):
            cov["files_skipped"] = len(paths["skipped"])
    rules = data.get("rules")
    if not isinstance(rules, list):
        time = data.get("time")
        rules = time.get("rules") if isinstance(time, dict) and time.get("rules") else None
    if isinstance(rules, list):
        cov["rules"] = len(rules)
    return cov, scanned


def parse(text: str | bytes, source: str = "<input>") -> Parsed:
    """Semgrep JSON text -> findings, coverage and health."""
    data = as_dict(load_json(text, TOOL, source), TOOL, source, "the top level")
    if "metrics" in data and "generated_at" in data:
        raise ParseError(TOOL, source, "this looks like bandit output, not semgrep JSON")
    expect("results" in data, TOOL, source, "no 'results' key (not semgrep JSON?)")
    expect("errors" in data, TOOL, source, "no 'errors' key (not semgrep JSON?)")
    results = as_list(data["results"], TOOL, source, "results")
    errors = as_list(data["errors"], TOOL, source, "errors")
    findings = tuple(_finding(item, i, source) for i, item in enumerate(results))
    coverage, scanned = _coverage(data, len(errors))
    status, reason = _health(errors, bool(findings) or scanned > 0, source)
    return Parsed(TOOL, findings, status, reason, coverage, opt_str(data.get("version")))
