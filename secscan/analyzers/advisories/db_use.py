"""What an offline audit says about the database it used: which one, how old, and whether too old.

A database installed by ``secscan db`` carries its source and date (meta.json); one older than
``advisory_max_age_days`` makes the audit ``partial`` with the age in the reason (advisories published
since are missing). The canary of every offline audit is the record secscan ships (:mod:`.shipped`).
Online pip-audit findings (pip-audit gives no severity) are rated from the installed database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from secscan.analyzers.advisories import shipped
from secscan.analyzers.advisories.canary import OsvCanary, manifest_for
from secscan.analyzers.advisories.db_store import age_days
from secscan.analyzers.advisories.osv import OsvDatabase
from secscan.analyzers.advisories.severity import strongest
from secscan.analyzers.advisories.versions import norm_name
from secscan.core.model import Finding, Parsed, Status

DEFAULT_MAX_AGE_DAYS = 7


def evidence(db: OsvDatabase, path: Path | str) -> dict[str, Any]:
    """The advisory source of an offline audit, for the report's evidence."""
    meta = db.info
    if meta is None:
        return {"advisory_source": f"osv-db {path}"}
    age = age_days(meta)
    days = f", {age:.1f} days old" if age is not None else ""
    source = f"secscan db {meta.get('source')} ({db.path}), data of {meta.get('as_of')}{days}"
    return {"advisory_source": source,
            "advisory_db": {"folder": db.path, "source": meta.get("source"), "as_of": meta.get("as_of"),
                            "installed_at": meta.get("installed_at"), "records": meta.get("records"),
                            "age_days": round(age, 2) if age is not None else None}}


def with_age(parsed: Parsed, db: OsvDatabase, max_age_days: int | None) -> Parsed:
    """PARTIAL (when it was OK) with the age in the reason when the installed database is too old."""
    limit = DEFAULT_MAX_AGE_DAYS if max_age_days is None else max_age_days
    age = age_days(db.info) if db.info is not None else None
    if age is None or age <= limit or parsed.status not in (Status.OK, Status.PARTIAL):
        return parsed
    as_of = db.info.get("as_of") if db.info else "?"
    why = (f"the advisory database is {age:.0f} days old (data of {as_of}; advisory_max_age_days {limit}): "
           "advisories published since are missing; run `secscan db update`")
    reason = f"{why} | {parsed.reason}" if parsed.reason else why
    return replace(parsed, status=Status.PARTIAL, reason=reason)


def canary_manifest(ecosystem: str) -> tuple[tuple[str, str], str]:
    """((file name, content) of the canary manifest, the expected key) for the shipped canary record."""
    pick = OsvCanary(*shipped.canary(ecosystem))
    return manifest_for(pick), pick.key


def enrich(findings: Sequence[Finding], db: OsvDatabase, ecosystem: str) -> tuple[Finding, ...]:
    """Findings of a tool that gives no severity (pip-audit) rated from the records of the same advisory
    (by id or alias) in the installed database; a finding none of whose records is rated stays as it is."""
    out = []
    for f in findings:
        p = f.package
        ids = {i.upper() for i in (f.rule_id, *f.identifiers)}
        records = [r for r, _e in db.records_for((ecosystem, norm_name(ecosystem, p.name)))] if p else []
        same = [r for r in records if ids & {r.id.upper(), *(a.upper() for a in r.aliases)}]
        rating = strongest(r.rating for r in same)
        if not same or rating.source == "default":
            out.append(f)
            continue
        raw = rating.word or (f"CVSS {rating.score:.1f}" if rating.score is not None else f.raw_severity)
        props = {**f.properties, "severity_from": f"secscan db {db.path}"}
        if rating.score is not None:
            props["cvss_score"] = rating.score
        if rating.vector:
            props["cvss_vector"] = rating.vector
        out.append(f.with_(severity=rating.severity, raw_severity=raw, properties=props,
                           severity_source=rating.source))
    return tuple(out)


def freshness(path: Path | str, max_age_days: int | None) -> str:
    """For cache keys: "" for a plain record folder; ":fresh" or ":stale" for an installed database, so a
    result cached while it was fresh is not reused once it has grown older than the limit."""
    from secscan.analyzers.advisories import db_index, db_store

    folder = db_index.installed_folder(Path(path)) or Path(path)
    if not db_index.is_indexed(folder):
        return ""
    age = age_days(db_store.read_meta(folder))
    limit = DEFAULT_MAX_AGE_DAYS if max_age_days is None else max_age_days
    return ":stale" if age is None or age > limit else ":fresh"
