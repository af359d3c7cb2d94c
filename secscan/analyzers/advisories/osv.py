"""A folder of OSV records (osv.dev exports), loaded and indexed for offline matching.

Accepted layouts, in any mix: one JSON record per file (``PYSEC-2018-28.json``, ``GHSA-xxxx.json``), in
the folder or in subfolders (e.g. one per ecosystem); ``*.zip`` archives of records such as osv.dev's
``<ecosystem>/all.zip``; the PyPA advisory-database layout, OSV records in YAML
(``vulns/<package>/PYSEC-*.yaml``, :mod:`.pypa_yaml`); and a database installed by ``secscan db``
(:mod:`.db_index`, read through its index). A record that cannot be read is skipped and counted, never
fatal; withdrawn records are skipped and counted apart. Records are indexed by (ecosystem, normalized
package name). The canary records secscan ships (:mod:`.shipped`) are looked up beside every database but
never counted as its records.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from secscan.analyzers.advisories.matching import Affected, parse_affected
from secscan.analyzers.advisories.pypa_yaml import is_yaml, load_yaml
from secscan.analyzers.advisories.severity import Rating, rate
from secscan.analyzers.advisories.shipped import shipped_lookup
from secscan.analyzers.advisories.versions import norm_name
from secscan.parsers.interface import cwe_ids

MAX_RECORD_BYTES = 8 * 1024 * 1024  # a record larger than this is not an advisory
MAX_ERRORS_KEPT = 20
SKIP_DIRS = frozenset({".git", "__MACOSX"})
RECORD_SUFFIXES = (".json", ".yaml", ".yml")
_ID_NAME = re.compile(r"^[A-Za-z]+-[\w.-]+\.ya?ml$")
FORMATS = "OSV JSON records (*.json), OSV zip archives (*.zip), PyPA advisory-database YAML (*.yaml)"


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
        return [*self.records_for(key), *shipped_lookup(key)]

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


def read_record(db: OsvDatabase, raw: bytes, where: str) -> tuple[Any, OsvRecord] | None:
    """The decoded record and what secscan uses of it; None (counted in db) when unreadable or withdrawn."""
    try:
        data = decode(raw, where)
        rec = parse_record(data, where)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError, ValueError) as exc:
        db.skip(where, str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__)
        return None
    if rec is None:
        db.withdrawn += 1
        return None
    return data, rec


def _zip_members(db: OsvDatabase, path: Path, rel: str) -> Iterator[tuple[bytes, str]]:
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                if info.is_dir() or not info.filename.lower().endswith(RECORD_SUFFIXES):
                    continue
                where = f"{rel}!{info.filename}"
                if info.file_size > MAX_RECORD_BYTES:
                    db.skip(where, f"larger than {MAX_RECORD_BYTES} bytes")
                    continue
                try:
                    yield zf.read(info), where
                except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
                    db.skip(where, f"cannot extract: {exc}")
    except (zipfile.BadZipFile, OSError) as exc:
        db.skip(rel, f"unreadable zip archive: {exc}")


def _wanted(parts: tuple[str, ...]) -> bool:
    """A record file or archive: hidden folders (.git, .github) are left out, and a YAML file is a record
    only under a ``vulns`` folder or when named like an advisory id (PYSEC-..., GHSA-...)."""
    if any(part in SKIP_DIRS or part.startswith(".") for part in parts[:-1]):
        return False
    name = parts[-1]
    if is_yaml(name):
        return "vulns" in parts[:-1] or _ID_NAME.match(name) is not None
    return name.lower().endswith((".json", ".zip"))


def _files(root: Path) -> Iterator[Path]:
    for p in sorted(root.rglob("*")):
        if _wanted(p.relative_to(root).parts) and p.is_file():
            yield p


def raw_records(db: OsvDatabase, root: Path) -> Iterator[tuple[bytes, str]]:
    """The bytes of every record file under root (zip members too) and where each is; what cannot be
    read is counted in db, a folder that cannot be listed sets ``db.problem``."""
    try:
        for p in _files(root):
            rel = p.relative_to(root).as_posix()
            if p.suffix.lower() == ".zip":
                yield from _zip_members(db, p, rel)
                continue
            try:
                if p.stat().st_size > MAX_RECORD_BYTES:
                    db.skip(rel, f"larger than {MAX_RECORD_BYTES} bytes")
                    continue
                raw = p.read_bytes()
            except OSError as exc:
                db.skip(rel, f"cannot read: {exc.strerror or exc}")
                continue
            yield raw, rel
    except OSError as exc:
        db.problem = f"cannot list the OSV database folder {db.path}: {exc.strerror or exc}"


def has_records(path: Path) -> bool:
    """Whether a folder holds anything this module reads (record files, archives, an installed database)."""
    from secscan.analyzers.advisories import db_index

    folder = db_index.installed_folder(path) or path
    return db_index.is_indexed(folder) or next(_files(folder), None) is not None


def no_records(path: str | Path) -> str:
    """The problem of a folder holding no record, naming the formats read."""
    return f"no advisory records in {path} (read: {FORMATS}; or a database installed by `secscan db`)"


def load_folder(path: str | Path) -> OsvDatabase:
    """Load every record under path; never raises (``problem`` says when the folder is unusable)."""
    root = Path(path)
    db = OsvDatabase(str(path))
    if not root.is_dir():
        db.problem = f"OSV database folder not found: {path}"
        return db
    for raw, where in raw_records(db, root):
        got = read_record(db, raw, where)
        if got is not None:
            db.add(got[1])
    if db.problem is None and db.records == 0:
        db.problem = no_records(path)
    return db


_CACHE: dict[tuple[str, tuple[tuple[str, int, int], ...]], OsvDatabase] = {}


def _signature(root: Path) -> tuple[tuple[str, int, int], ...]:
    try:
        return tuple((p.as_posix(), p.stat().st_mtime_ns, p.stat().st_size) for p in _files(root))
    except OSError:
        return ()


def load_db(path: str | Path) -> OsvDatabase:
    """Load (or reuse, when no file changed) the OSV database folder at path; never raises."""
    from secscan.analyzers.advisories import db_index

    root = db_index.installed_folder(Path(path)) or Path(path)
    if db_index.is_indexed(root):
        return db_index.load_indexed(root)
    key = (str(root.resolve()) if root.exists() else str(root), _signature(root) if root.is_dir() else ())
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = load_folder(root)
    return _CACHE[key]
