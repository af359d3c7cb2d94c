"""Normalize pip-audit JSON (``pip-audit -f json``): the ``{"dependencies": [...], "fixes": [...]}``
shape and the legacy bare list of dependencies.

One finding per (dependency, vulnerability). pip-audit's data carries no severity, so every finding
gets :data:`DEFAULT_SEVERITY` (high) with ``raw_severity`` "unknown" and ``severity_source`` "default"
(``properties.severity_source`` in the report); when the merge step meets a Trivy or OSV record of the same
advisory that carries a real severity, that severity should replace the default.

Every dependency with a ``skip_reason`` was NOT audited: the outcome is PARTIAL (count and first
reasons), or FAILED when nothing at all was audited (every dependency skipped, or no dependency).
"""

from __future__ import annotations

import re
from typing import Any

from packaging.version import InvalidVersion, Version

from secscan.core import provenance
from secscan.core.errors import ParseError
from secscan.core.model import Category, Finding, Package, Parsed, Severity, Status
from secscan.parsers.interface import as_dict, as_list, load_json, opt_str

TOOL = "pip-audit"
ECOSYSTEM = "PyPI"

#: The severity every pip-audit finding gets (the data has none), and how it is labelled.
DEFAULT_SEVERITY = Severity.HIGH
RAW_SEVERITY = "unknown"
SEVERITY_SOURCE = provenance.DEFAULT_SEVERITY

MAX_MESSAGE = 1000
REASON_ITEMS = 3
MAX_ERROR = 500
#: pip-audit logs through logging.basicConfig: "ERROR:pip_audit._cli:package pyyaml has duplicate ...".
_LOGGED_ERROR = re.compile(r"^(?:ERROR|CRITICAL):[\w.]+:\s*(?P<msg>\S.*)$")
_USAGE_ERROR = re.compile(r"^[\w.-]+: error: (?P<msg>\S.*)$")  # argparse: "pip-audit: error: ..."
_PIP_ERROR = re.compile(r"^ERROR: (?P<msg>\S.*)$")  # pip's own messages, relayed


def _strs(value: Any) -> tuple[str, ...]:
    """The non-empty strings of a list, in order, without duplicates."""
    if not isinstance(value, list):
        return ()
    return tuple(dict.fromkeys(v for v in value if isinstance(v, str) and v))


def _lowest_fix(version: str, fixes: tuple[str, ...]) -> str | None:
    """The lowest fix version above `version` (or the first one when versions do not parse)."""
    try:
        current = Version(version)
        above = sorted((Version(f), f) for f in fixes if Version(f) > current)
    except (InvalidVersion, ValueError, TypeError):
        return fixes[0] if fixes else None
    return above[0][1] if above else None


def _remediation(name: str, version: str, fixes: tuple[str, ...], planned: dict[str, str]) -> str | None:
    target = planned.get(name.lower()) or _lowest_fix(version, fixes)
    return f"upgrade {name} from {version} to {target}" if target else None


def _message(desc: Any, title: str) -> str:
    text = desc.strip() if isinstance(desc, str) else ""
    text = text or title
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 3] + "..."


def _vuln_findings(dep: dict[str, Any], idx: int, planned: dict[str, str], source: str) -> list[Finding]:
    name, version = dep["name"], opt_str(dep.get("version"))
    if version is None:
        raise ParseError(TOOL, source, f"dependencies[{idx}] ({name}) has no version and no skip_reason")
    vulns = as_list(dep.get("vulns"), TOOL, source, f"dependencies[{idx}].vulns")
    out: list[Finding] = []
    for j, item in enumerate(vulns):
        vuln = as_dict(item, TOOL, source, f"dependencies[{idx}].vulns[{j}]")
        vid = opt_str(vuln.get("id"))
        if vid is None:
            raise ParseError(TOOL, source, f"dependencies[{idx}].vulns[{j}] has no id")
        fixes = _strs(vuln.get("fix_versions"))
        title = f"{name} {version}: {vid}"
        out.append(Finding(
            rule_id=vid,
            title=title,
            message=_message(vuln.get("description"), title),
            severity=DEFAULT_SEVERITY,
            raw_severity=RAW_SEVERITY,
            category=Category.DEPENDENCY,
            sources=(TOOL,),
            package=Package(name, version, fixes, ECOSYSTEM),
            identifiers=tuple(dict.fromkeys((vid, *_strs(vuln.get("aliases"))))),
            remediation=_remediation(name, version, fixes, planned),
            severity_source=SEVERITY_SOURCE,
        ))
    return out


def _planned_fixes(value: Any, source: str) -> dict[str, str]:
    """name (lower case) -> new_version from the "fixes" list."""
    out: dict[str, str] = {}
    for idx, item in enumerate(as_list(value, TOOL, source, "fixes")):
        rec = as_dict(item, TOOL, source, f"fixes[{idx}]")
        name, new = opt_str(rec.get("name")), opt_str(rec.get("new_version"))
        if name and new:
            out[name.lower()] = new
    return out


def _top(data: Any, source: str) -> tuple[list[Any], list[Any]]:
    """(dependencies, fixes) from either shape."""
    if isinstance(data, list):
        return data, []
    top = as_dict(data, TOOL, source, "the top level")
    if "bomFormat" in top:
        raise ParseError(TOOL, source, "this is a CycloneDX SBOM, not pip-audit JSON (use -f json)")
    if "dependencies" not in top:
        raise ParseError(TOOL, source, "no 'dependencies' key (not pip-audit JSON?)")
    return (as_list(top["dependencies"], TOOL, source, "dependencies"),
            as_list(top.get("fixes", []), TOOL, source, "fixes"))


def _health(total: int, skipped: list[str]) -> tuple[Status, str | None]:
    if total == 0:
        return Status.FAILED, "no dependencies were audited (pip-audit reported no dependency)"
    if not skipped:
        return Status.OK, None
    shown = "; ".join(skipped[:REASON_ITEMS])
    more = f" (+{len(skipped) - REASON_ITEMS} more)" if len(skipped) > REASON_ITEMS else ""
    if len(skipped) == total:
        return Status.FAILED, f"no dependencies were audited: all {total} skipped: {shown}{more}"
    return Status.PARTIAL, f"{len(skipped)} of {total} dependencies were not audited: {shown}{more}"


def parse(text: str | bytes, source: str = "<input>") -> Parsed:
    """pip-audit JSON text -> findings, coverage and health."""
    deps, fixes = _top(load_json(text, TOOL, source), source)
    planned = _planned_fixes(fixes, source)
    findings: list[Finding] = []
    skipped: list[str] = []
    for idx, item in enumerate(deps):
        dep = as_dict(item, TOOL, source, f"dependencies[{idx}]")
        name = opt_str(dep.get("name"))
        if name is None:
            raise ParseError(TOOL, source, f"dependencies[{idx}] has no name (not pip-audit output?)")
        if dep.get("skip_reason") is not None:
            skipped.append(opt_str(dep.get("skip_reason")) or f"{name}: skipped, no reason given")
            continue
        findings.extend(_vuln_findings(dep, idx, planned, source))
    status, reason = _health(len(deps), skipped)
    coverage = {
        "dependencies_audited": len(deps) - len(skipped),
        "dependencies_skipped": len(skipped),
        "vulnerabilities": len(findings),
    }
    return Parsed(TOOL, tuple(findings), status, reason, coverage, None)


def error_line(stderr: str | bytes) -> str | None:
    """The tool's own error message in pip-audit's stderr, whatever pip printed before it: the ERROR lines
    pip-audit logged (joined), else argparse's usage error, else the last line of a traceback, else pip's last
    ``ERROR:`` line; None when there is none."""
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    logged = [m["msg"] for m in map(_LOGGED_ERROR.match, lines) if m]
    usage = [m["msg"] for m in map(_USAGE_ERROR.match, lines) if m]
    pip = [m["msg"] for m in map(_PIP_ERROR.match, lines) if m]
    if logged:
        found = "; ".join(dict.fromkeys(logged))
    elif usage:
        found = usage[-1]
    elif any(ln.startswith("Traceback (most recent call last)") for ln in lines):
        found = lines[-1]
    elif pip:
        found = pip[-1]
    else:
        return None
    return found if len(found) <= MAX_ERROR else found[: MAX_ERROR - 3] + "..."
