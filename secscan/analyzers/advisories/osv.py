"""A folder of OSV records (osv.dev exports), loaded and indexed for offline matching.

Accepted layouts, in any mix: one JSON record per file (``PYSEC-2018-28.json``, ``GHSA-xxxx.json``), in
the folder or in subfolders (e.g. one per ecosystem); ``*.zip`` archives of records such as osv.dev's
``<ecosystem>/all.zip``; the PyPA advisory-database layout, OSV records in YAML
(``vulns/<package>/PYSEC-*.yaml``, :mod:`.pypa_yaml`); and a database installed by ``secscan db``
(:mod:`.db_index`, read through its index). A record that cannot be read is skipped and counted, never
fatal; withdrawn records are skipped and counted apart. Records are indexed by (ecosystem, normalized
package name) in an :class:`.record.OsvDatabase`.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from secscan.analyzers.advisories.pypa_yaml import is_yaml
from secscan.analyzers.advisories.record import OsvDatabase, OsvRecord, decode, parse_record

__all__ = ["FORMATS", "OsvDatabase", "OsvRecord", "decode", "has_records", "load_db", "load_folder",
           "no_records", "parse_record", "raw_records", "read_record"]

MAX_RECORD_BYTES = 8 * 1024 * 1024  # a record larger than this is not an advisory
SKIP_DIRS = frozenset({".git", "__MACOSX"})
RECORD_SUFFIXES = (".json", ".yaml", ".yml")
_ID_NAME = re.compile(r"^[A-Za-z]+-[\w.-]+\.ya?ml$")
FORMATS = "OSV JSON records (*.json), OSV zip archives (*.zip), PyPA advisory-database YAML (*.yaml)"


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
                parts = tuple(x for x in info.filename.split("/") if x)
                if info.is_dir() or not parts or not _wanted(parts) or parts[-1].lower().endswith(".zip"):
                    continue  # the PyPA repository's archive: its workflows and triage lists are not records
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
