"""Incremental cache in sqlite: per-file findings of per-file scanners, canary outcomes, dependency audits.

Keys hold everything that changes results: the file's content hash, the tool's identity and version, the
rules' hash and the options. A corrupt or foreign cache file is moved aside and rebuilt (with a warning),
never trusted. Writes are transactions; WAL mode and a busy timeout let concurrent runs share one cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

MAGIC = "secscan-cache"
SCHEMA = 1


def default_dir(target: Path) -> Path:
    """~/.cache/secscan/<hash of the target path>."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    digest = hashlib.sha256(str(target.resolve()).encode()).hexdigest()[:16]
    return base / "secscan" / digest


def file_hash(path: Path) -> str | None:
    """sha256 of a file's bytes (None when unreadable)."""
    h = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    except OSError:
        return None
    return h.hexdigest()


def digest(*parts: Any) -> str:
    """A stable hash of JSON-able parts."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


class Cache:
    """A sqlite key-value store with scopes; thread-safe (one connection per thread)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / "cache.sqlite3"
        self.warnings: list[str] = []
        self._local = threading.local()
        folder.mkdir(parents=True, exist_ok=True)
        self._open_checked()

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        conn.execute("PRAGMA busy_timeout=30000")
        return conn

    def _init(self, conn: sqlite3.Connection) -> None:
        """Create the schema in one exclusive transaction, so concurrent first runs never see half of it.

        An empty database gets the tables; one with tables but no ``meta`` is left alone (foreign) and is
        then refused by ``_valid``.
        """
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("BEGIN IMMEDIATE")
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if not tables:
                conn.execute("CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)")
                conn.execute("CREATE TABLE entries (scope TEXT NOT NULL, k TEXT NOT NULL, v TEXT NOT NULL, "
                             "created REAL NOT NULL, PRIMARY KEY (scope, k))")
                conn.execute("INSERT INTO meta VALUES ('magic', ?), ('schema', ?)", (MAGIC, str(SCHEMA)))
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _valid(self, conn: sqlite3.Connection) -> bool:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if "meta" not in tables:
            return False
        rows = dict(conn.execute("SELECT k, v FROM meta").fetchall())
        if rows.get("magic") != MAGIC or rows.get("schema") != str(SCHEMA):
            return False
        return conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"

    def _open_checked(self) -> None:
        try:
            conn = self._connect()
            self._init(conn)
            if self._valid(conn):
                conn.close()
                return
            conn.close()
            problem = "not a secscan cache (or another version)"
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise  # held by another run for too long: not corrupt, never moved aside
            problem = f"corrupt ({exc})"
        except sqlite3.DatabaseError as exc:
            problem = f"corrupt ({exc})"
        aside = self.path.with_name(f"cache.broken-{int(time.time())}.sqlite3")
        for suffix in ("", "-wal", "-shm"):
            try:
                os.replace(str(self.path) + suffix, str(aside) + suffix)
            except OSError:
                pass
        self.warnings.append(f"cache {self.path} was {problem}: ignored and rebuilt")
        conn = self._connect()
        self._init(conn)
        conn.close()

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's connection."""
        c = getattr(self._local, "conn", None)
        if c is None:
            c = self._local.conn = self._connect()
        return c

    def get_many(self, scope: str, keys: Sequence[str]) -> dict[str, Any]:
        """Values of the keys that are present."""
        out: dict[str, Any] = {}
        for i in range(0, len(keys), 5000):
            chunk = json.dumps(list(keys[i : i + 5000]))
            rows = self.conn.execute(
                "SELECT k, v FROM entries WHERE scope = ? AND k IN (SELECT value FROM json_each(?))",
                (scope, chunk),
            )
            for k, v in rows:
                try:
                    out[k] = json.loads(v)
                except ValueError:
                    continue
        return out

    def get(self, scope: str, key: str, max_age_s: float | None = None) -> Any:
        """One value, or None (also when older than max_age_s)."""
        row = self.conn.execute("SELECT v, created FROM entries WHERE scope=? AND k=?",
                                (scope, key)).fetchone()
        if row is None or (max_age_s is not None and time.time() - row[1] > max_age_s):
            return None
        try:
            return json.loads(row[0])
        except ValueError:
            return None

    def put_many(self, scope: str, items: Iterable[tuple[str, Any]]) -> None:
        """Store values in one transaction."""
        now = time.time()
        rows = [(scope, k, json.dumps(v, sort_keys=True), now) for k, v in items]
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?)", rows)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def put(self, scope: str, key: str, value: Mapping[str, Any] | list[Any]) -> None:
        """Store one value."""
        self.put_many(scope, [(key, value)])
