"""The blob cache of history scans: what each blob held, by blob id and engine scope, so a later run (a new
commit in CI) reads only the blobs it has not seen. Entries hold masked findings only (hash and mask, never
a value). A cache that cannot be opened or read is not used, and the scan says so."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

FILE_NAME = "history-blobs.sqlite"
_SCHEMA = ("CREATE TABLE IF NOT EXISTS blobs (scope TEXT NOT NULL, oid TEXT NOT NULL, kind TEXT NOT NULL, "
           "findings TEXT NOT NULL, PRIMARY KEY (scope, oid)) WITHOUT ROWID")


class BlobCache:
    """One sqlite file in the cache folder; ``scope`` is the engine and rules identity."""

    def __init__(self, folder: Path, scope: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / FILE_NAME
        self.scope = scope
        self._db = sqlite3.connect(self.path, timeout=30.0)
        self._db.execute("PRAGMA journal_mode=WAL")
        with self._db:
            self._db.execute(_SCHEMA)

    def known(self) -> dict[str, tuple[str, list[dict[str, Any]]]]:
        """oid -> (coverage kind, findings as dicts) of every blob scanned before in this scope."""
        rows = self._db.execute("SELECT oid, kind, findings FROM blobs WHERE scope = ?", (self.scope,))
        return {oid: (kind, json.loads(found)) for oid, kind, found in rows}

    def store(self, entries: Mapping[str, tuple[str, list[dict[str, Any]]]]) -> None:
        """Remember scanned blobs (one transaction)."""
        rows: Iterable[tuple[str, str, str, str]] = (
            (self.scope, oid, kind, json.dumps(found, sort_keys=True))
            for oid, (kind, found) in entries.items())
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO blobs VALUES (?, ?, ?, ?)", rows)

    def close(self) -> None:
        """Close the file."""
        self._db.close()


def open_cache(folder: Path | None, scope: str) -> tuple[BlobCache | None, str | None]:
    """(the cache, None), or (None, why it is not used)."""
    if folder is None:
        return None, None
    try:
        return BlobCache(folder, scope), None
    except (OSError, sqlite3.Error) as exc:
        return None, f"history blob cache {folder} not used: {exc}"
