"""Normalize ``npm audit --json`` (npm 6 ``advisories`` and npm 7+ ``auditReportVersion: 2``).

One finding per advisory and installed package version. npm 6 gives the version (``findings[].version``)
and the dependency paths. npm 7+ gives no installed version: ``Package.version`` stays None and the
vulnerable range goes to ``properties["vulnerable_range"]``; dependency paths are rebuilt from the
``effects`` / string ``via`` links between entries (``properties["dependency_paths"]``, "top>...>pkg") and
the install locations are kept from ``nodes`` (``properties["install_paths"]``). String ``via`` entries
never make findings. An output carrying ``error`` (ENOLOCK, ENOAUDIT, the 405 an audit endpoint answers
when it does not support bulk audits, ...) is FAILED with npm's message, never an empty clean result.
npm audit JSON carries no npm version: ``Parsed.version`` stays None.
"""

from __future__ import annotations

import re
from typing import Any

from secscan.core.model import Category, Finding, Package, Parsed, Severity, Status
from secscan.parsers.interface import load_json
from secscan.parsers.reader import Reader, cwe_list

TOOL = "npm-audit"

#: npm severity word -> Severity. A word outside the table is kept in raw_severity and read as medium.
SEVERITY_TABLE: dict[str, Severity] = {
    "critical": Severity.CRITICAL,
    "high": Severity.HIGH,
    "moderate": Severity.MEDIUM,
    "low": Severity.LOW,
    "info": Severity.INFO,
}
UNKNOWN_SEVERITY = Severity.MEDIUM

ECOSYSTEM = "npm"
#: Limits on rebuilt dependency paths (a large tree can have thousands).
MAX_PATHS = 20
MAX_DEPTH = 12

_GHSA = re.compile(r"GHSA(?:-[23456789cfghjmpqrvwx]{4}){3}", re.IGNORECASE)
_LOWER_BOUND = re.compile(r">=\s*v?([0-9][0-9A-Za-z.+-]*)")


def severity_for(word: str) -> Severity:
    """The table lookup (case-insensitive); an unknown word is medium."""
    return SEVERITY_TABLE.get(word.strip().lower(), UNKNOWN_SEVERITY)


def fixed_from_range(patched: str) -> tuple[str, ...]:
    """The lower bounds of npm 6 ``patched_versions`` (">=1.10.2" -> ("1.10.2",); "<0.0.0" -> ())."""
    return tuple(dict.fromkeys(_LOWER_BOUND.findall(patched)))


class _R(Reader):
    """Typed access to npm audit fields (ids, CWEs and CVSS on top of the shared readers)."""

    def __init__(self, source: str) -> None:
        super().__init__(TOOL, source)

    def ident(self, d: dict[str, Any], key: str, where: str) -> str | None:
        """An advisory id: int or string."""
        value = d.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise self.fail(f"{where}.{key} is {type(value).__name__}, expected an id")
        return str(value)

    def cwes(self, d: dict[str, Any], where: str) -> tuple[str, ...]:
        value = d.get("cwe")
        if value is None or isinstance(value, str):
            return cwe_list([value]) if value else ()
        if isinstance(value, list) and all(isinstance(i, str) for i in value):
            return cwe_list(value)
        raise self.fail(f"{where}.cwe is {type(value).__name__}, expected a string, a list or null")

    def cvss(self, d: dict[str, Any], where: str) -> dict[str, Any]:
        value = d.get("cvss")
        if value is None:
            return {}
        value = self.obj(value, f"{where}.cvss")
        out: dict[str, Any] = {}
        score = self.num(value, "score", f"{where}.cvss")
        if score is not None and score > 0:
            out["cvss_score"] = score
        vector = self.text(value, "vectorString", f"{where}.cvss")
        if vector:
            out["cvss_vector"] = vector
        return out


def _rule_and_ghsa(r: _R, adv: dict[str, Any], where: str, source_id: str | None) -> tuple[str, str | None]:
    url = r.text(adv, "url", where) or ""
    match = _GHSA.search(url) or _GHSA.search(r.text(adv, "github_advisory_id", where) or "")
    ghsa = "GHSA" + match.group(0)[4:].lower() if match else None
    if ghsa:
        return ghsa, ghsa
    if source_id is None:
        raise r.fail(f"{where} has neither a GHSA url nor an advisory id")
    return f"npm-{source_id}", None


def _finding(r: _R, adv: dict[str, Any], where: str, pkg: Package, rule: str, idents: tuple[str, ...],
             props: dict[str, Any], remediation: str | None) -> Finding:
    raw = r.text(adv, "severity", where, required=True) or ""
    title = r.text(adv, "title", where) or rule
    props = {k: v for k, v in {**props, **r.cvss(adv, where), "url": r.text(adv, "url", where)}.items()
             if v is not None}
    return Finding(
        rule_id=rule, title=title, message=r.text(adv, "overview", where) or title,
        severity=severity_for(raw), raw_severity=raw, category=Category.DEPENDENCY, sources=(TOOL,),
        package=pkg, identifiers=tuple(dict.fromkeys(idents)), remediation=remediation,
        properties=props,
    )


def _npm6(r: _R, data: dict[str, Any]) -> list[Finding]:
    out: list[Finding] = []
    advisories = r.obj(data["advisories"], "advisories")
    for key, adv in advisories.items():
        where = f"advisories[{key!r}]"
        adv = r.obj(adv, where)
        name = r.text(adv, "module_name", where, required=True) or ""
        rule, ghsa = _rule_and_ghsa(r, adv, where, r.ident(adv, "id", where) or key)
        idents = (*([ghsa] if ghsa else []), *r.texts(adv, "cves", where), *r.cwes(adv, where))
        patched = r.text(adv, "patched_versions", where)
        fixed = fixed_from_range(patched) if patched else ()
        by_version: dict[str | None, list[str]] = {}
        for i, occ in enumerate(r.seq(adv, "findings", where)):
            occ = r.obj(occ, f"{where}.findings[{i}]")
            paths = by_version.setdefault(r.text(occ, "version", f"{where}.findings[{i}]"), [])
            paths.extend(p for p in r.texts(occ, "paths", f"{where}.findings[{i}]") if p not in paths)
        if not by_version:  # an advisory without occurrences is still reported, never dropped
            by_version[None] = []
        for version, paths in by_version.items():
            props = {"dependency_paths": paths[:MAX_PATHS] or None, "patched_versions": patched,
                     "vulnerable_range": r.text(adv, "vulnerable_versions", where)}
            pkg = Package(name=name, version=version, fixed_versions=fixed, ecosystem=ECOSYSTEM)
            advice = r.text(adv, "recommendation", where)
            out.append(_finding(r, adv, where, pkg, rule, idents, props, advice))
    return out


def parent_map(vulns: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    """name -> the entries that depend on it: its ``effects`` and every entry whose ``via`` names it."""
    parents: dict[str, list[str]] = {name: [] for name in vulns}
    for key, entry in vulns.items():
        for child in entry.get("via") or []:
            if isinstance(child, str) and child in parents and child != key:
                parents[child].append(key)
        for parent in entry.get("effects") or []:
            if isinstance(parent, str) and parent in vulns and parent != key:
                parents[key].append(parent)
    return {name: list(dict.fromkeys(found)) for name, found in parents.items()}


def dependency_paths(parents: dict[str, list[str]], name: str) -> list[str]:
    """"top>...>name" chains through the vulnerable entries (cycle-safe, at most MAX_PATHS)."""
    out: list[str] = []
    stack: list[list[str]] = [[name]]
    while stack and len(out) < MAX_PATHS:
        chain = stack.pop()
        ups = [p for p in parents.get(chain[0], []) if p not in chain] if len(chain) < MAX_DEPTH else []
        if not ups:
            out.append(">".join(chain))
        stack.extend([p, *chain] for p in reversed(ups))
    return out


def _fix(r: _R, entry: dict[str, Any], name: str, where: str) -> tuple[tuple[str, ...], dict[str, Any]]:
    fix = entry.get("fixAvailable")
    if fix is None or isinstance(fix, bool):
        return (), {"fix_available": fix}
    fix = r.obj(fix, f"{where}.fixAvailable")
    fname = r.text(fix, "name", f"{where}.fixAvailable", required=True)
    fversion = r.text(fix, "version", f"{where}.fixAvailable", required=True) or ""
    major = fix.get("isSemVerMajor")
    props: dict[str, Any] = {"fix_available": True,
                             "fix_is_semver_major": major if isinstance(major, bool) else None}
    if fname == name:
        return (fversion,), props
    props["fix_via"] = f"{fname}@{fversion}"
    return (), props


def _npm7(r: _R, data: dict[str, Any]) -> list[Finding]:
    vulns = r.obj(data["vulnerabilities"], "vulnerabilities")
    checked: dict[str, dict[str, Any]] = {}
    for key, entry in vulns.items():
        where = f"vulnerabilities[{key!r}]"
        checked[key] = entry = r.obj(entry, where)
        for i, via in enumerate(r.seq(entry, "via", where)):
            if not isinstance(via, str | dict):
                raise r.fail(f"{where}.via[{i}] is {type(via).__name__}, expected an object or a name")
        r.texts(entry, "effects", where)
    parents = parent_map(checked)
    out: list[Finding] = []
    for key, entry in checked.items():
        where = f"vulnerabilities[{key!r}]"
        name = r.text(entry, "name", where) or key
        fixed, fix_props = _fix(r, entry, name, where)
        paths = dependency_paths(parents, key)
        seen: set[str] = set()
        for i, via in enumerate(entry.get("via") or []):
            if isinstance(via, str):
                continue  # a pointer to another entry: that entry reports its own advisories
            vwhere = f"{where}.via[{i}]"
            source_id = r.ident(via, "source", vwhere)
            rule, ghsa = _rule_and_ghsa(r, via, vwhere, source_id)
            if rule in seen:
                continue
            seen.add(rule)
            vrange = r.text(via, "range", vwhere) or r.text(entry, "range", where)
            props = {**fix_props, "vulnerable_range": vrange, "dependency_paths": paths,
                     "install_paths": r.texts(entry, "nodes", where)[:MAX_PATHS] or None,
                     "is_direct": entry.get("isDirect") if isinstance(entry.get("isDirect"), bool) else None,
                     "npm_source": source_id}
            pkg = Package(name=name, version=None, fixed_versions=fixed, ecosystem=ECOSYSTEM)
            idents = (*([ghsa] if ghsa else []), *r.cwes(via, vwhere))
            remediation = f"upgrade {name} to {fixed[0]}" if fixed else None
            out.append(_finding(r, via, vwhere, pkg, rule, idents, props, remediation))
    return out


def _error_reason(r: _R, data: dict[str, Any]) -> str:
    err = data["error"]
    parts = [r.text(data, "message", "report")]
    if isinstance(err, str):
        parts.append(err)
    else:
        err = r.obj(err, "error")
        parts += [r.text(err, "summary", "error"), r.text(err, "detail", "error")]
        code = r.text(err, "code", "error")
        if code:
            parts.insert(0, code)
    text = ": ".join(dict.fromkeys(p.strip() for p in parts if p and p.strip()))
    return f"npm audit failed: {text or 'npm reported an error without a message'}"


def _coverage(r: _R, data: dict[str, Any], findings: int) -> dict[str, int]:
    cov = {"vulnerabilities": findings}
    meta = data.get("metadata")
    if meta is None:
        return cov
    meta = r.obj(meta, "metadata")
    deps = meta.get("dependencies")
    total = r.num(r.obj(deps, "metadata.dependencies"), "total", "metadata.dependencies") \
        if isinstance(deps, dict) else r.num(meta, "totalDependencies", "metadata")
    if total is not None and total >= 0:
        cov["dependencies"] = int(total)
    return cov


def parse(text: str | bytes, source: str = "<input>") -> Parsed:
    """npm audit JSON -> findings and coverage; raises only ParseError."""
    r = _R(source)
    data = load_json(text, TOOL, source)
    if not isinstance(data, dict):
        raise r.fail(f"top level is {type(data).__name__}, expected an npm audit object")
    version = data.get("auditReportVersion")
    if "advisories" in data:
        findings = _npm6(r, data)
    elif "auditReportVersion" in data:
        if version != 2 or isinstance(version, bool):
            raise r.fail(f"unsupported auditReportVersion {version!r} (expected 2)")
        if "vulnerabilities" not in data:
            raise r.fail("auditReportVersion 2 without a vulnerabilities object")
        findings = _npm7(r, data)
    elif "error" in data:
        findings = []
    else:
        raise r.fail("no advisories, auditReportVersion or error: not npm audit JSON")
    status, reason = Status.OK, None
    if "error" in data:
        status, reason = Status.FAILED, _error_reason(r, data)
    return Parsed(tool=TOOL, findings=tuple(findings), status=status, reason=reason,
                  coverage=_coverage(r, data, len(findings)))
