"""The index of an installed advisory database, built once at install time and read lazily.

An installed version folder holds ``records.jsonl`` (one compact JSON record per line: what secscan uses
of each readable, not withdrawn record), ``index.json`` ((ecosystem, normalized name) -> byte ranges of
the lines naming that package) and ``meta.json`` (source, date, counts; written by :mod:`.db_store`); the
first two are written by :mod:`.db_build`.
Auditing 200 dependencies then reads 200 index entries and their records, not 20,000 records.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from secscan.analyzers.advisories.matching import Affected
from secscan.analyzers.advisories.record import OsvDatabase, OsvRecord, parse_record

INDEX, RECORDS, META, CURRENT = "index.json", "records.jsonl", "meta.json", "current"
FORMAT = 1
SEP = "\x00"


def is_indexed(folder: Path) -> bool:
    """An installed version folder (index, records and meta present)."""
    return all((folder / n).is_file() for n in (INDEX, RECORDS, META))


def installed_folder(root: Path) -> Path | None:
    """The version folder a database root's ``current`` names, or None (not a database root)."""
    pointer = root / CURRENT
    try:
        name = pointer.read_text("utf-8").strip()
    except OSError:
        return None
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    return root / name


@dataclass
class IndexedDatabase(OsvDatabase):
    """An installed database: counts from meta.json, records read from records.jsonl when looked up."""

    keys: dict[str, list[list[int]]] = field(default_factory=dict)
    folder: Path | None = None
    _loaded: dict[tuple[str, str], list[tuple[OsvRecord, Affected]]] = field(default_factory=dict)

    def records_for(self, key: tuple[str, str]) -> list[tuple[OsvRecord, Affected]]:
        if key in self._loaded:
            return self._loaded[key]
        spans = self.keys.get(SEP.join(key), [])
        found: list[tuple[OsvRecord, Affected]] = []
        if spans and self.folder is not None:
            with (self.folder / RECORDS).open("rb") as fh:
                for start, length in spans:
                    fh.seek(start)
                    rec = parse_record(json.loads(fh.read(length)), f"{RECORDS}@{start}")
                    if rec is not None:
                        found.extend((rec, e) for e in rec.affected if e.key == key)
        self._loaded[key] = found
        return found


_CACHE: dict[tuple[str, int], IndexedDatabase] = {}


def load_indexed(folder: Path) -> OsvDatabase:
    """The installed database in folder (cached while its index is unchanged); never raises."""
    try:
        stamp = (folder / INDEX).stat().st_mtime_ns
        key = (str(folder.resolve()), stamp)
        if key in _CACHE:
            return _CACHE[key]
        meta = json.loads((folder / META).read_text("utf-8"))
        index = json.loads((folder / INDEX).read_text("utf-8"))
        if index.get("format") != FORMAT:
            raise ValueError(f"index format {index.get('format')!r}, secscan reads {FORMAT}")
    except (OSError, ValueError) as exc:
        return OsvDatabase(str(folder), problem=f"unusable installed advisory database {folder}: {exc}")
    counts = meta.get("records") if isinstance(meta.get("records"), dict) else {}
    db = IndexedDatabase(str(folder), records=int(meta.get("total", 0)),
                         unreadable=int(meta.get("unreadable", 0)), withdrawn=int(meta.get("withdrawn", 0)),
                         per_ecosystem=dict(counts), info=meta, keys=index.get("keys", {}), folder=folder)
    _CACHE.clear()
    _CACHE[key] = db
    return db
