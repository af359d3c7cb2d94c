"""The incremental cache as one run uses it: read at once, written only after the run.

A scanner's findings may hold a secret value in any text field (a semgrep ``fix`` on a line where a token
sits) that only another scanner recognises as a secret. The run's secret values are known only once every
scanner ran (``secscan.results.redact.secret_values``), so the entries a run would store are held here, as
findings, and written by :meth:`RunCache.flush` after the run, each finding passed through the same redaction
as the reports (``redact_findings``, then ``Redactor(values)``): no raw value ever reaches the cache file.
Entries of a run that never finishes are never written.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from secscan.core.model import Finding
from secscan.core.serialize import finding_to_dict
from secscan.results.enrich import redact_findings
from secscan.results.redact import Redactor
from secscan.run.cache import Cache


@dataclass(frozen=True)
class _Entry:
    scope: str
    key: str
    value: Any  # JSON-ready; None when the entry is the findings list itself
    findings: tuple[Finding, ...] | None = None  # serialised at flush; with a value: under "findings"


class RunCache:
    """Reads go to the cache; writes wait for :meth:`flush`. Thread-safe (scanners run in parallel)."""

    def __init__(self, cache: Cache) -> None:
        self.cache = cache
        self._lock = threading.Lock()
        self._entries: list[_Entry] = []

    @property
    def warnings(self) -> list[str]:
        """What opening the cache had to say (a corrupt file moved aside)."""
        return self.cache.warnings

    def get_many(self, scope: str, keys: Sequence[str]) -> dict[str, Any]:
        """Values of the keys that are present."""
        return self.cache.get_many(scope, keys)

    def get(self, scope: str, key: str, max_age_s: float | None = None) -> Any:
        """One value, or None (also when older than max_age_s)."""
        return self.cache.get(scope, key, max_age_s)

    def put_findings(self, scope: str, key: str, findings: Iterable[Finding]) -> None:
        """One file's findings (stored as the list of their dicts)."""
        self._add(_Entry(scope, key, None, tuple(findings)))

    def put(self, scope: str, key: str, value: dict[str, Any],
            findings: Iterable[Finding] | None = None) -> None:
        """A value; with findings, they are stored under its ``findings`` key."""
        self._add(_Entry(scope, key, dict(value), tuple(findings) if findings is not None else None))

    def _add(self, entry: _Entry) -> None:
        with self._lock:
            self._entries.append(entry)

    @property
    def pending(self) -> int:
        """How many entries wait for flush."""
        with self._lock:
            return len(self._entries)

    def flush(self, values: Iterable[str]) -> str | None:
        """Write the held entries, every text cleaned of the run's secret values; a note when the cache
        could not be written (the run's result stands: the next run scans again)."""
        with self._lock:
            entries, self._entries = self._entries, []
        if not entries:
            return None
        redactor = Redactor(values)

        def clean(findings: Sequence[Finding]) -> list[dict[str, Any]]:
            return [finding_to_dict(f) for f in (redactor.finding(f) for f in redact_findings(findings))]

        rows: dict[str, list[tuple[str, Any]]] = {}
        for e in entries:
            value = redactor.deep(e.value) if e.value is not None else None
            if e.findings is not None:
                value = clean(e.findings) if value is None else {**value, "findings": clean(e.findings)}
            rows.setdefault(e.scope, []).append((e.key, value))
        try:
            for scope, items in rows.items():
                self.cache.put_many(scope, items)
        except sqlite3.Error as exc:
            return f"cache {self.cache.folder} not updated ({exc}): the next run scans again"
        return None
