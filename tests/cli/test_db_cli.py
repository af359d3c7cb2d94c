"""`secscan db update|status|import` on the command line, and offline scans that use the installed database
on their own: which database and how old in the evidence, too old is partial, the canary is the record
secscan ships, every Python lock file and npm lockfile go through the same matcher, and online pip-audit
findings take their severity from the database."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from advisory_server import FIXTURES, Server, serve
from conftest import scanner
from run_cli import run_cli

from secscan.analyzers.advisories import db_index, db_store
from secscan.cli.main import main


@pytest.fixture
def server() -> Iterator[Server]:
    with serve() as s:
        yield s


@pytest.fixture
def db_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "advisories"
    monkeypatch.setenv("SECSCAN_ADVISORY_DIR", str(root))
    return root


def update(server: Server, *extra: str) -> int:
    return main(["db", "update", "--base-url", server.base, *extra])


def test_update_then_status(db_root: Path, server: Server, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "status"]) == 3
    assert "no advisory database installed in" in capsys.readouterr().out
    assert update(server) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"installed {db_root}/v") and "16 records (PyPI 11, npm 5)" in out
    assert main(["db", "status"]) == 0
    text = capsys.readouterr().out
    assert f"{server.base}/PyPI/all.zip  sha256 " in text and "records:   16 records (PyPI 11, npm 5)" in text
    assert "days old)" in text
    assert main(["db", "status", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["installed"] and doc["records"] == {"PyPI": 11, "npm": 5} and doc["age_days"] < 0.1


def test_a_failed_update_says_why_in_one_line_and_keeps_the_database(
    db_root: Path, server: Server, capsys: pytest.CaptureFixture[str]
) -> None:
    assert update(server, "--ecosystems", "npm") == 0
    kept = db_store.current(db_root)
    capsys.readouterr()
    assert update(server, "--source", server.base + "/error.zip") == 3
    err = capsys.readouterr().err
    assert err == (f"secscan: db update failed: {server.base}/error.zip: HTTP 500 Internal Server Error; "
                   f"still in use: {kept}\n")
    assert db_store.current(db_root) == kept


def test_import_a_copied_folder(db_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "import", str(FIXTURES / "advisories" / "pypa")]) == 0
    assert "2 records (PyPI 2)" in capsys.readouterr().out
    assert main(["db", "import", str(db_root / "nope")]) == 2


def project(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, "utf-8")
    return root


LOCKS = {
    "req/requirements.txt": "requests==2.19.1 \\\n    --hash=sha256:" + "a" * 64 + "\n",
    "poetry/poetry.lock": '[[package]]\nname = "django"\nversion = "3.2.0"\n',
    "uv/uv.lock": 'version = 1\n\n[[package]]\nname = "pyyaml"\nversion = "5.3"\n'
                  'source = { registry = "https://pypi.org/simple" }\n',
    "pipenv/Pipfile.lock": json.dumps({"_meta": {}, "default": {"requests": {"version": "==2.25.0"}},
                                       "develop": {}}),
    "pylock/pylock.toml": 'lock-version = "1.0"\n\n[[packages]]\nname = "django"\nversion = "2.2.0"\n',
    "js/package-lock.json": json.dumps({
        "name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": True,
        "packages": {"": {"name": "app", "version": "1.0.0", "dependencies": {"lodash": "4.17.15"}},
                     "node_modules/lodash": {"version": "4.17.15"}}}),
    "loose/requirements.txt": "flask>=2\n",
}


def scan_offline(root: Path, tmp_path: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    return run_cli("deps", root, tmp_path / "out", "--offline", "--quiet", "--format", "json",
                   "--fail-on", "never", *extra)


def test_an_offline_scan_uses_the_installed_database_for_every_lock_format(
    db_root: Path, server: Server, tmp_path: Path
) -> None:
    assert update(server) == 0
    root = project(tmp_path / "app", LOCKS)
    code, rep = scan_offline(root, tmp_path)
    pa, npm = scanner(rep, "pip-audit"), scanner(rep, "npm-audit")
    folder = db_store.current(db_root)
    for s in (pa, npm):
        assert s["canary"] == "detected", s
        assert s["evidence"]["advisory_source"].startswith(f"secscan db osv ({folder}), data of ")
        assert s["evidence"]["advisory_db"]["records"] == {"PyPI": 11, "npm": 5}
    assert pa["status"] == "partial" and "loose/requirements.txt: flask (not pinned" in pa["reason"], pa
    assert npm["status"] == "ok", npm
    hit = {(f["package"]["manifest"], f["package"]["name"], f["package"]["version"]) for f in rep["findings"]}
    assert hit == {("req/requirements.txt", "requests", "2.19.1"), ("poetry/poetry.lock", "django", "3.2.0"),
                   ("uv/uv.lock", "pyyaml", "5.3"), ("pipenv/Pipfile.lock", "requests", "2.25.0"),
                   ("pylock/pylock.toml", "django", "2.2.0"), ("js/package-lock.json", "lodash", "4.17.15")}
    assert not any(f["rule_id"].startswith("SECSCAN-CANARY") for f in rep["findings"])
    critical = {f["package"]["name"] for f in rep["findings"] if f["severity"] == "critical"}
    assert {"pyyaml", "django"} <= critical  # the database word (PyYAML) and CVSS >= 9.0 (Django)
    assert code == 3  # partial (the unpinned flask) is incomplete


def test_a_database_older_than_the_limit_makes_the_audit_partial(
    db_root: Path, server: Server, tmp_path: Path
) -> None:
    assert update(server, "--ecosystems", "PyPI") == 0
    folder = db_store.current(db_root)
    assert folder is not None
    meta = db_store.read_meta(folder)
    meta["as_of"] = "2020-01-01T00:00:00+00:00"
    (folder / db_index.META).write_text(json.dumps(meta), "utf-8")
    root = project(tmp_path / "app", {"requirements.txt": "requests==2.19.1\n"})
    _code, rep = scan_offline(root, tmp_path)
    pa = scanner(rep, "pip-audit")
    assert pa["status"] == "partial" and pa["canary"] == "detected", pa
    assert pa["reason"].startswith("the advisory database is ")
    assert "days old (data of 2020-01-01" in pa["reason"]
    assert "advisory_max_age_days 7" in pa["reason"]
    _code, rep = scan_offline(root, tmp_path, "--advisory-max-age-days", "100000")
    assert scanner(rep, "pip-audit")["status"] == "ok"


def test_without_an_installed_database_offline_still_skips(db_root: Path, tmp_path: Path) -> None:
    root = project(tmp_path / "app", {"requirements.txt": "requests==2.19.1\n"})
    _code, rep = scan_offline(root, tmp_path)
    assert scanner(rep, "pip-audit")["status"] == "skipped"


def test_the_canary_is_secscans_record_and_does_not_count_as_the_databases(tmp_path: Path) -> None:
    """A folder without PyPI records fails even though the shipped canary record names a PyPI package; a
    tree that plants a record for the canary package does not make the canary pass by itself."""
    record = (FIXTURES / "osv" / "npm" / "GHSA-35jh-r3h4-6jhm.json").read_text("utf-8")
    only_npm = project(tmp_path / "npmdb", {"GHSA-x.json": record})
    root = project(tmp_path / "app", {"requirements.txt": "requests==2.19.1\n"})
    _code, rep = run_cli("deps", root, tmp_path / "out", "--osv-db", str(only_npm), "--quiet", "--format",
                         "json", "--scanners", "pip-audit")
    pa = scanner(rep, "pip-audit")
    assert pa["status"] == "failed" and "holds no PyPI record" in pa["reason"], pa


FAKE = (Path(__file__).resolve().parents[1] / "scanners" / "test_pip_audit_scanner.py")


def test_online_pip_audit_findings_take_their_severity_from_the_database(
    db_root: Path, server: Server, tmp_path: Path, fake_bin: Callable[[str, str], Path],
    monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = importlib.util.spec_from_file_location("pip_audit_fakes", FAKE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # its FAKE: the stand-in for pip-audit 2.10.1
    script = tmp_path / "fake_pip_audit.py"
    script.write_text(module.FAKE, "utf-8")
    fake_bin("pip-audit", f'exec "{sys.executable}" "{script}" "$@"\n')
    monkeypatch.setenv("FAKE_PIP_AUDIT_LOG", str(tmp_path / "calls.jsonl"))
    root = project(tmp_path / "app", {"requirements.txt": "pyyaml==5.3\nrequests==2.19.1\n"})
    _code, before = run_cli("deps", root, tmp_path / "o1", "--scanners", "pip-audit", "--quiet", "--format",
                            "json", "--fail-on", "never")
    assert {f["package"]["name"]: f["severity"] for f in before["findings"]} == {"pyyaml": "high",
                                                                                "requests": "high"}
    assert update(server, "--ecosystems", "PyPI") == 0
    _code, after = run_cli("deps", root, tmp_path / "o2", "--scanners", "pip-audit", "--quiet", "--format",
                           "json", "--fail-on", "never")
    got = {f["package"]["name"]: (f["severity"], f["raw_severity"]) for f in after["findings"]}
    # PYSEC-2020-96 (alias CVE-2020-1747) -> GHSA-6757-jp84-gxfx's word; PYSEC-2018-28 has no rating
    # anywhere in the database (its GHSA twin is not among the fixtures): it stays high, unrated
    assert got["pyyaml"] == ("critical", "CRITICAL")
    assert got["requests"][0] == "high"
    ev = scanner(after, "pip-audit")["evidence"]
    assert ev["severities_from"] == f"secscan db {db_store.current(db_root)}"
    assert os.environ["SECSCAN_ADVISORY_DIR"] == str(db_root)


def test_an_osv_db_folder_without_records_is_a_usage_error_naming_the_formats(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = project(tmp_path / "empty", {"notes.txt": "x", "config.yaml": "a: 1\n"})
    root = project(tmp_path / "app", {"requirements.txt": "requests==2.19.1\n"})
    assert main(["deps", str(root), "--osv-db", str(empty), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"secscan: error: --osv-db {empty}: no advisory records (read: OSV JSON records")
    assert "PyPA advisory-database YAML (*.yaml); or a database installed by `secscan db`)" in err


def test_a_cached_result_is_not_reused_once_the_database_is_too_old(
    db_root: Path, server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert update(server, "--ecosystems", "PyPI") == 0
    root = project(tmp_path / "app", {"requirements.txt": "requests==2.19.1\n"})
    cache = ("--cache-dir", str(tmp_path / "cache"))
    args = ("--offline", "--quiet", "--format", "json", "--fail-on", "never", "--scanners", "pip-audit")
    _code, first = run_cli("deps", root, tmp_path / "o1", *args, common=cache)
    assert scanner(first, "pip-audit")["status"] == "ok" and not scanner(first, "pip-audit")["cached"]
    _code, again = run_cli("deps", root, tmp_path / "o2", *args, common=cache)
    assert scanner(again, "pip-audit")["cached"]  # the same day: the cached result stands
    later = db_store.time.time() + 30 * 86400
    monkeypatch.setattr(db_store.time, "time", lambda: later)
    _code, old = run_cli("deps", root, tmp_path / "o3", *args, common=cache)
    s = scanner(old, "pip-audit")
    assert s["status"] == "partial" and not s["cached"] and "30 days old" in s["reason"], s
