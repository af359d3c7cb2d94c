"""The run's cache writes wait for the run's secret values: nothing is written before flush, and then every
text of every entry is cleaned of them (findings, evidence, per-file failures)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from secscan.core.model import Category, Finding, Location, Severity
from secscan.core.serialize import finding_from_dict
from secscan.run.cache import Cache
from secscan.run.pending import RunCache

VALUE = "q7Rk2LmZ9xVb4NcT8wYp3JhG6fDs1AeU"


def _finding() -> Finding:
    return Finding("test.rule", "t", f"call({VALUE})", Severity.MEDIUM, "WARNING", Category.SAST,
                   ("semgrep",), Location("a.py", 1, 1), snippet=f"x = call({VALUE})",
                   properties={"fix": f"call({VALUE})"})


def _raw(cache_dir: Path) -> bytes:
    return b"".join(p.read_bytes() for p in cache_dir.rglob("*") if p.is_file())


def test_writes_wait_for_flush_and_are_cleaned(tmp_path: Path) -> None:
    run = RunCache(Cache(tmp_path / "c"))
    run.put_findings("s", "k1", [_finding()])
    run.put("s", "k2", {"failed": f"cannot parse {VALUE}"})
    run.put("dependencies", "k3", {"evidence": {"raw": VALUE}, "version": "1"}, [_finding()])
    assert run.pending == 3 and run.get("s", "k1") is None  # nothing written yet
    assert run.flush({VALUE}) is None and run.pending == 0
    (stored,) = [finding_from_dict(d) for d in run.get("s", "k1")]
    assert VALUE not in repr(stored) and "********" in stored.properties["fix"]
    assert VALUE not in run.get("s", "k2")["failed"]
    whole = run.get("dependencies", "k3")
    assert VALUE not in repr(whole) and whole["version"] == "1" and len(whole["findings"]) == 1
    assert VALUE.encode() not in _raw(tmp_path / "c")


def test_a_cache_that_cannot_be_written_is_a_note(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run = RunCache(Cache(tmp_path / "c"))
    run.put_findings("s", "k1", [_finding()])

    def locked(*_a: object) -> None:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(run.cache, "put_many", locked)
    note = run.flush({VALUE})
    assert note and "not updated (database is locked)" in note
