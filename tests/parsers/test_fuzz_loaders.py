"""Fuzzing the inputs secscan reads besides tool outputs: OSV records, npm lockfiles, Python manifests and
lockfiles, and secscan's own JSON results (for `report` and `merge`). Each either reads the input or says
why not, with its one documented error; nothing else escapes."""

from __future__ import annotations

import json
from pathlib import Path

from fuzz_support import FUZZ, json_values
from hypothesis import given
from hypothesis import strategies as st

from secscan.analyzers.advisories.npm_lockfile import parse_lockfile
from secscan.analyzers.advisories.osv import parse_record
from secscan.analyzers.advisories.python_deps import read_python_deps
from secscan.analyzers.advisories.python_locks import (
    read_pipfile_lock,
    read_poetry_lock,
    read_pylock,
    read_uv_lock,
)
from secscan.core.errors import ParseError
from secscan.formats.json_report import loads

OSV_KEYS = ("id", "aliases", "affected", "package", "name", "ecosystem", "ranges", "type", "events",
            "introduced", "fixed", "last_affected", "versions", "severity", "score", "database_specific",
            "withdrawn", "summary", "details")
OSV_WORDS = ("PyPI", "npm", "ECOSYSTEM", "SEMVER", "0", "1.0.0", "2.0", "GHSA-x", "CVE-2020-1", "CVSS_V3",
             "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "requests", "HIGH")
LOCK_KEYS = ("lockfileVersion", "packages", "dependencies", "", "node_modules/a",
             "node_modules/a/node_modules/b", "version", "dev", "devOptional", "link", "resolved",
             "requires", "name")
LOCK_WORDS = (1, 2, 3, "1.0.0", "file:../x", "a", "^1.0.0", True)
REPORT_KEYS = ("schema_version", "secscan_version", "target", "started_at", "duration_s", "scanners",
               "findings", "summary", "gate", "counts", "name", "status", "fingerprint", "severity",
               "location", "path", "rule_id", "sources", "notes", "run_id")
REPORT_WORDS = ("ok", "failed", "critical", "high", "sast", "1", "bandit", "a.py")


@FUZZ
@given(json_values(OSV_KEYS, OSV_WORDS))
def test_osv_records(data: object) -> None:
    try:
        parse_record(data, "fuzz.json")
    except ValueError:
        pass


@FUZZ
@given(json_values(LOCK_KEYS, LOCK_WORDS) | st.binary(max_size=200).map(lambda b: b.decode("latin-1")))
def test_npm_lockfiles(data: object) -> None:
    text = data if isinstance(data, str) else json.dumps(data)
    try:
        parse_lockfile(text, "package-lock.json")
    except ParseError:
        pass


LINES = st.lists(st.sampled_from(["requests==2.19.1", "-r other.txt", "-c pins.txt", "-e .", "Django>=3",
                                  "x==1 ; python_version < '3'", "--hash=sha256:00", "\\", "# c",
                                  "pkg @ file:x",
                                  "-r ../../etc/passwd", "-r http://x/r.txt", "a[b]==1.0", "==", ""])
                 | st.text(max_size=20), max_size=8).map("\n".join)


@FUZZ
@given(LINES, st.text(max_size=60))
def test_python_manifests_never_raise(requirements: str, toml_text: str) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "requirements.txt").write_text(requirements, "utf-8")
        (root / "other.txt").write_text(requirements[::-1], "utf-8")
        (root / "pyproject.toml").write_text(toml_text, "utf-8")
        for manifest in ("requirements.txt", "pyproject.toml", "missing.txt"):
            deps, skipped = read_python_deps(root, manifest)
            assert isinstance(deps, list) and isinstance(skipped, list)


@FUZZ
@given(st.text(max_size=120))
def test_python_lockfiles(text: str) -> None:
    for reader in (read_poetry_lock, read_uv_lock, read_pipfile_lock, read_pylock):
        try:
            reader(text, "lock")
        except (ParseError, ValueError):
            pass


@FUZZ
@given(json_values(REPORT_KEYS, REPORT_WORDS))
def test_secscan_results(data: object) -> None:
    try:
        loads(json.dumps(data), "result.json")
    except ParseError:
        pass
