"""Match dependencies against an OSV database and turn the matches into findings and an outcome.

Records about the same problem (a PYSEC record and its GHSA twin, linked by ids or aliases) become one
finding per dependency. Outcome: FAILED when the database is unusable or holds no record of the
ecosystem, or when no dependency could be audited; PARTIAL when some dependencies were skipped, some
records were unreadable, or some ranges could not be evaluated; SKIPPED when the files declare no
dependency at all; OK otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from secscan.analyzers.advisories.deps import Dep, Skipped
from secscan.analyzers.advisories.matching import Affected, Undecidable, fixed_versions, is_affected
from secscan.analyzers.advisories.osv import OsvDatabase, OsvRecord
from secscan.analyzers.advisories.severity import strongest
from secscan.analyzers.advisories.versions import PYPI, norm_name, sort_versions
from secscan.core.model import Category, Finding, Location, Package, Parsed, SkipCause, Status

SOURCE = "osv-db"
MAX_DETAILS = 600
REASON_ITEMS = 3
#: Which record id becomes the rule_id, by ecosystem: the first prefix that any record of the group has.
PREFERRED_IDS: dict[str, tuple[str, ...]] = {PYPI: ("PYSEC-", "GHSA-"), "npm": ("GHSA-",)}


@dataclass
class ManifestRead:
    """What one manifest yielded."""

    manifest: str
    deps: list[Dep] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def match(db: OsvDatabase, dep: Dep) -> tuple[list[tuple[OsvRecord, list[Affected]]], list[str]]:
    """Records affecting dep (with the matching entries), and the problems that left a record undecided."""
    by_id: dict[str, tuple[OsvRecord, list[Affected]]] = {}
    problems: list[str] = []
    for rec, entry in db.lookup(dep.ecosystem, dep.name):
        try:
            hit = is_affected(dep.ecosystem, dep.version, entry)
        except Undecidable as exc:
            problems.append(f"{rec.id} for {dep.name} {dep.version}: {exc}")
            continue
        if hit:
            by_id.setdefault(rec.id, (rec, []))[1].append(entry)
    return list(by_id.values()), problems


def _groups(matches: list[tuple[OsvRecord, list[Affected]]]) -> list[list[tuple[OsvRecord, list[Affected]]]]:
    """Matches linked by shared ids/aliases, in first-seen order."""
    groups: list[tuple[set[str], list[tuple[OsvRecord, list[Affected]]]]] = []
    for rec, entries in matches:
        ids = {rec.id.upper(), *(a.upper() for a in rec.aliases)}
        joined = [g for g in groups if g[0] & ids]
        if not joined:
            groups.append((ids, [(rec, entries)]))
            continue
        first = joined[0]
        first[0].update(ids)
        first[1].append((rec, entries))
        for other in joined[1:]:
            first[0].update(other[0])
            first[1].extend(other[1])
            groups.remove(other)
    return [g[1] for g in groups]


def _primary(ecosystem: str, ids: list[str]) -> str:
    for prefix in PREFERRED_IDS.get(ecosystem, ()):
        for i in ids:
            if i.upper().startswith(prefix):
                return i
    return ids[0]


def _first_paragraph(text: str) -> str:
    para = text.strip().split("\n\n", 1)[0].strip()
    return para if len(para) <= MAX_DETAILS else para[: MAX_DETAILS - 3] + "..."


def finding_for(dep: Dep, group: list[tuple[OsvRecord, list[Affected]]]) -> Finding:
    """One finding for dep from a group of records about the same problem."""
    records = [r for r, _ in group]
    ids = sorted({r.id for r in records})
    primary = _primary(dep.ecosystem, ids)
    aliases = sorted({a for r in records for a in r.aliases} - set(ids))
    cwes = list(dict.fromkeys(c for r in records for c in r.cwe_ids))
    rating = strongest(r.rating for r in records)
    key = (dep.ecosystem, norm_name(dep.ecosystem, dep.name))
    fixed = sort_versions(dep.ecosystem, [v for r in records for e in r.affected if e.key == key
                                          for v in fixed_versions(e)])
    summary = next((r.summary for r in records if r.summary), "")
    details = next((r.details for r in records if r.details), "")
    fix_text = f"fixed in {', '.join(fixed)}" if fixed else "no fixed version published"
    message = f"{dep.name} {dep.version} is affected by {primary} ({fix_text})"
    if summary or details:
        message += f": {_first_paragraph(details or summary)}"
    props: dict[str, Any] = {"osv_ids": ids}
    if rating.score is not None:
        props["cvss_score"] = rating.score
    if rating.vector:
        props["cvss_vector"] = rating.vector
    if dep.ecosystem == "npm":
        props["dev_dependency"] = dep.dev
        if dep.dev_optional:
            props["dev_optional"] = True
        props["dependency_path"] = list(dep.path)
    raw = rating.word or (f"CVSS {rating.score:.1f}" if rating.score is not None else "unrated")
    return Finding(
        rule_id=primary,
        title=summary or f"{primary} in {dep.name}",
        message=message,
        severity=rating.severity,
        raw_severity=raw,
        category=Category.DEPENDENCY,
        sources=(SOURCE,),
        location=Location(dep.manifest, dep.line, dep.line),
        package=Package(dep.name, dep.version, tuple(fixed), dep.ecosystem, dep.manifest),
        identifiers=tuple(dict.fromkeys([primary, *ids, *aliases, *cwes])),
        properties=props,
        severity_source=rating.source,
    )


def _reason_list(items: Sequence[str], total: int) -> str:
    shown = "; ".join(items[:REASON_ITEMS])
    return shown + (f"; and {total - REASON_ITEMS} more" if total > REASON_ITEMS else "")


def audit(tool: str, ecosystem: str, reads: Sequence[ManifestRead], db: OsvDatabase) -> Parsed:
    """Audit the dependencies of every manifest read; see the module docstring for the outcome."""
    coverage = {"osv_records": db.records, "osv_records_unreadable": db.unreadable,
                "osv_records_withdrawn": db.withdrawn}
    if db.problem:
        return Parsed(tool, status=Status.FAILED, reason=db.problem, coverage=coverage)
    if db.count(ecosystem) == 0:
        return Parsed(tool, status=Status.FAILED, coverage=coverage,
                      reason=f"the OSV database {db.path} holds no {ecosystem} record: nothing to audit with")
    findings: list[Finding] = []
    audited: set[tuple[str, str]] = set()
    seen: dict[tuple[str, str, str], int] = {}
    problems: list[str] = []
    skipped = [f"{r.manifest}: {s.name} ({s.reason})" for r in reads for s in r.skipped]
    for read in reads:
        for dep in read.deps:
            key = (dep.manifest, norm_name(ecosystem, dep.name), dep.version)
            audited.add(key[1:])
            if key in seen:
                _add_path(findings, seen[key], dep)
                continue
            seen[key] = len(findings)
            matches, undecided = match(db, dep)
            problems.extend(undecided)
            findings.extend(finding_for(dep, g) for g in _groups(matches))
    coverage.update(dependencies_audited=len(audited), dependencies_skipped=len(skipped))
    if not audited and not skipped:
        return Parsed(tool, (), Status.SKIPPED, f"no dependency declared in {len(reads)} file(s)", coverage,
                      skip=SkipCause.NOTHING_TO_SCAN)
    if not audited:
        why = f"{len(skipped)} skipped: {_reason_list(skipped, len(skipped))}"
        return Parsed(tool, (), Status.FAILED, f"no dependency could be audited ({why})", coverage)
    notes: list[str] = []
    if skipped:
        notes.append(f"{len(skipped)} dependencies not audited: {_reason_list(skipped, len(skipped))}")
    if db.unreadable:
        notes.append(f"{db.unreadable} unreadable OSV records skipped: "
                     f"{_reason_list(db.errors, db.unreadable)}")
    if problems:
        notes.append(f"{len(problems)} advisories could not be evaluated: "
                     f"{_reason_list(problems, len(problems))}")
    status = Status.PARTIAL if notes else Status.OK
    return Parsed(tool, tuple(findings), status, " | ".join(notes) or None, coverage)


def _add_path(findings: list[Finding], start: int, dep: Dep) -> None:
    """Record another place of an already audited npm package on its findings (a production place wins)."""
    if not dep.path:
        return
    for i in range(start, len(findings)):
        f = findings[i]
        p = f.package
        if p is None or (p.name, p.version, p.manifest) != (dep.name, dep.version, dep.manifest):
            break
        props = dict(f.properties)
        paths = list(props.get("other_dependency_paths", []))
        if len(paths) < 5 and list(dep.path) not in paths and list(dep.path) != props.get("dependency_path"):
            paths.append(list(dep.path))
        props["other_dependency_paths"] = paths
        if not dep.dev:
            props["dev_dependency"] = False
        findings[i] = f.with_(properties=props)
