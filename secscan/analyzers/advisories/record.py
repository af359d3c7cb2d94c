"""One OSV record as secscan uses it, and the in-memory database of records indexed by package.

The lowest module of the advisory database code: :mod:`.osv` (folders, archives), :mod:`.db_index` (an
installed database) and :mod:`.shipped` (secscan's own canary record) build on it. ``OsvDatabase.lookup``
also answers with the canary record secscan ships (``rules/advisories/canary.osv.json``), which is never
counted among a database's records.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from secscan.analyzers.advisories.matching import Affected, parse_affected
from secscan.analyzers.advisories.pypa_yaml import is_yaml, load_yaml
from secscan.analyzers.advisories.severity import Rating, rate
from secscan.analyzers.advisories.versions import norm_name
from secscan.core.resources import rules_dir
from secscan.parsers.interface import cwe_ids

MAX_ERRORS_KEPT = 20
SHIPPED = "canary.osv.json"


@dataclass(frozen=True)
class OsvRecord:
    """What secscan uses of one OSV record."""

    id: str
    aliases: tuple[str, ...]
    summary: str
    details: str
    severity: tuple[tuple[str, str], ...]
    affected: tuple[Affected, ...]
    cwe_ids: tuple[str, ...]
    database_severity: str | None
    source: str
    modified: str | None = None

    @property
    def rating(self) -> Rating:
        """Severity from the CVSS vectors, else the database word, else the default."""
        return rate(self.severity, self.database_severity)


@dataclass
class OsvDatabase:
    """Loaded records, the index, and what could not be loaded (``problem``: the folder is unusable)."""

    path: str
    records: int = 0
    unreadable: int = 0
    withdrawn: int = 0
    errors: list[str] = field(default_factory=list)
    problem: str | None = None
    index: dict[tuple[str, str], list[tuple[OsvRecord, Affected]]] = field(default_factory=dict)
    per_ecosystem: dict[str, int] = field(default_factory=dict)
    info: dict[str, Any] | None = None  # an installed database's meta.json (source, date, counts)

    def lookup(self, ecosystem: str, name: str) -> list[tuple[OsvRecord, Affected]]:
        """Every (record, affected entry) naming this package, and a shipped canary record naming it."""
        key = (ecosystem, norm_name(ecosystem, name))
        return [*self.records_for(key), *shipped_index().get(key, [])]

    def records_for(self, key: tuple[str, str]) -> list[tuple[OsvRecord, Affected]]:
        """The database's own (record, entry) pairs for an (ecosystem, normalized name) key."""
        return self.index.get(key, [])

    def count(self, ecosystem: str) -> int:
        """Number of records with at least one affected package of the ecosystem."""
        return self.per_ecosystem.get(ecosystem, 0)

    def add(self, rec: OsvRecord) -> None:
        """Index a record."""
        self.records += 1
        ecos: set[str] = set()
        for entry in rec.affected:
            self.index.setdefault(entry.key, []).append((rec, entry))
            ecos.add(entry.ecosystem)
        for eco in ecos:
            self.per_ecosystem[eco] = self.per_ecosystem.get(eco, 0) + 1

    def skip(self, where: str, why: str) -> None:
        """Count an unreadable record."""
        self.unreadable += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(f"{where}: {why}")


def _strs(value: Any) -> tuple[str, ...]:
    return tuple(v for v in value if isinstance(v, str) and v) if isinstance(value, list) else ()


def parse_record(data: Any, source: str) -> OsvRecord | None:
    """An OsvRecord from decoded JSON; None when withdrawn; ValueError when it is not an OSV record."""
    if not isinstance(data, dict):
        raise ValueError(f"not a JSON object ({type(data).__name__})")
    rid = data.get("id")
    if not isinstance(rid, str) or not rid.strip():
        raise ValueError("no id")
    if not isinstance(data.get("affected", []), list):
        raise ValueError("affected is not a list")
    if data.get("withdrawn"):
        return None
    affected = tuple(a for a in (parse_affected(x) for x in data.get("affected") or []) if a is not None)
    sev: list[tuple[str, str]] = []
    for item in data.get("severity") or []:
        kind, score = (item.get("type"), item.get("score")) if isinstance(item, dict) else (None, None)
        if isinstance(kind, str) and isinstance(score, str):
            sev.append((kind.upper(), score.strip()))
    dbs = data.get("database_specific")
    dbs = dbs if isinstance(dbs, dict) else {}
    word = dbs.get("severity") if isinstance(dbs.get("severity"), str) else None
    return OsvRecord(
        id=rid.strip(),
        aliases=tuple(a for a in _strs(data.get("aliases")) if a != rid),
        summary=data["summary"].strip() if isinstance(data.get("summary"), str) else "",
        details=data["details"].strip() if isinstance(data.get("details"), str) else "",
        severity=tuple(sev),
        affected=affected,
        cwe_ids=cwe_ids(dbs.get("cwe_ids") or []),
        database_severity=word,
        source=source,
        modified=data["modified"] if isinstance(data.get("modified"), str) else None,
    )


def decode(raw: bytes, where: str) -> Any:
    """The decoded document of a JSON or YAML record file (ValueError when unreadable)."""
    if is_yaml(where):
        return load_yaml(raw)
    return json.loads(raw.decode("utf-8-sig"))


@lru_cache(maxsize=1)
def shipped_index() -> dict[tuple[str, str], list[tuple[OsvRecord, Affected]]]:
    """The shipped canary record's (record, entry) pairs by key; a missing or broken file raises."""
    path = rules_dir() / "advisories" / SHIPPED
    rec = parse_record(json.loads(path.read_text("utf-8")), f"secscan {SHIPPED}")
    if rec is None or not rec.affected:
        raise ValueError(f"{path}: the shipped canary record affects nothing")
    out: dict[tuple[str, str], list[tuple[OsvRecord, Affected]]] = {}
    for entry in rec.affected:
        out.setdefault(entry.key, []).append((rec, entry))
    return out
