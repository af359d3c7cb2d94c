"""`secscan db` installs: downloads from a 127.0.0.1 server serving OSV-style archives built from real
advisory records, verification failures (truncated zip, wrong sha256, HTTP 500, timeout, not a zip) that
leave the installed database as it was with a one-line reason, imports, the index, status and age."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from advisory_server import FIXTURES, Server, build_zip, records, serve

from secscan.analyzers.advisories import db_index, db_store, db_update, osv, python_deps
from secscan.analyzers.advisories.audit import match
from secscan.analyzers.advisories.deps import Dep


@pytest.fixture
def server() -> Iterator[Server]:
    with serve() as s:
        yield s


def installed(root: Path) -> tuple[Path, dict[str, object]]:
    folder = db_store.current(root)
    assert folder is not None
    return folder, db_store.read_meta(folder)


def test_update_downloads_verifies_indexes_and_installs(tmp_path: Path, server: Server) -> None:
    root = tmp_path / "db"
    folder, meta = db_update.update(root, "osv", ["PyPI", "npm"], base=server.base)
    assert server.seen == ["/PyPI/all.zip", "/npm/all.zip"]
    assert db_store.current(root) == folder and folder.parent == root
    assert meta["records"] == {"PyPI": 11, "npm": 5} and meta["total"] == 16
    assert [f["sha256"] for f in meta["files"]] == [  # type: ignore[index]
        hashlib.sha256(server.archives[p]).hexdigest() for p in ("/PyPI/all.zip", "/npm/all.zip")]
    assert not (folder / "sources").exists() and db_index.is_indexed(folder)
    db = osv.load_db(root)  # the root resolves to the version in use, read through the index
    assert isinstance(db, db_index.IndexedDatabase) and db.count("PyPI") == 11 and db.problem is None
    found, problems = match(db, Dep("requests", "2.19.1", "PyPI", "requirements.txt"))
    assert sorted(r.id for r, _ in found) == ["GHSA-9hjg-9r4m-mvj7", "GHSA-9wx4-h78v-vm56",
                                              "GHSA-j8r2-6x86-q33q", "GHSA-x84v-xcm2-53pg",
                                              "PYSEC-2018-28", "PYSEC-2023-74"]
    assert not problems


def test_the_index_gives_the_findings_of_a_full_load(tmp_path: Path, server: Server) -> None:
    db_update.update(tmp_path / "db", "osv", ["PyPI"], base=server.base)
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "all.zip").write_bytes(server.archives["/PyPI/all.zip"])
    target = tmp_path / "app"
    target.mkdir()
    (target / "requirements.txt").write_text("requests==2.19.1\ndjango==3.2.0\nPyYAML==5.3\n", "utf-8")
    via_index = python_deps.audit_python(target, ["requirements.txt"], tmp_path / "db")
    via_zip = python_deps.audit_python(target, ["requirements.txt"], plain)
    assert via_index.findings == via_zip.findings and len(via_index.findings) >= 4
    yaml = next(f for f in via_index.findings if f.package and f.package.name == "PyYAML")
    assert (yaml.rule_id, yaml.severity.name, yaml.raw_severity) == (
        "GHSA-6757-jp84-gxfx", "CRITICAL", "CRITICAL")  # the database word: this record has no vector


def _assert_kept(root: Path, before: Path, exc: pytest.ExceptionInfo[db_store.DbError]) -> str:
    assert db_store.current(root) == before and db_index.is_indexed(before)
    assert [p.name for p in root.iterdir() if p.name.startswith(".staging-")] == []
    reason = str(exc.value)
    assert "\n" not in reason
    return reason


@pytest.mark.parametrize(("path", "expected"), [
    ("/truncated.zip", "truncated download ("),
    ("/error.zip", "HTTP 500"),
    ("/notzip.zip", "not a readable zip archive"),
    ("/missing.zip", "HTTP 404"),
])
def test_a_failed_update_keeps_the_installed_database(tmp_path: Path, server: Server, path: str,
                                                      expected: str) -> None:
    root = tmp_path / "db"
    before, _ = db_update.update(root, "osv", ["PyPI"], base=server.base)
    with pytest.raises(db_store.DbError) as exc:
        db_update.update(root, server.base + path)
    assert expected in _assert_kept(root, before, exc), exc.value


def test_a_wrong_sha256_or_a_timeout_keeps_the_installed_database(tmp_path: Path, server: Server) -> None:
    root = tmp_path / "db"
    before, _ = db_update.update(root, "osv", ["npm"], base=server.base)
    with pytest.raises(db_store.DbError) as exc:
        db_update.update(root, "osv", ["PyPI"], sha256="0" * 64, base=server.base)
    assert "sha256" in _assert_kept(root, before, exc) and "is not the expected 000" in str(exc.value)
    with pytest.raises(db_store.DbError) as exc:
        db_update.update(root, server.base + "/slow.zip", timeout=0.5)
    assert "timed out" in _assert_kept(root, before, exc)
    good = hashlib.sha256(server.archives["/PyPI/all.zip"]).hexdigest()
    after, meta = db_update.update(root, "osv", ["PyPI"], sha256=good, base=server.base)
    assert after != before and db_store.current(root) == after and meta["records"] == {"PyPI": 11}
    assert before.is_dir()  # the previous version is kept beside the new one


def test_an_archive_without_records_or_with_broken_records_is_refused(tmp_path: Path, server: Server) -> None:
    root = tmp_path / "db"
    server.archives["/PyPI/all.zip"] = build_zip({"README.txt": b"nothing"})
    with pytest.raises(db_store.DbError, match="holds no advisory record"):
        db_update.update(root, "osv", ["PyPI"], base=server.base)
    server.archives["/PyPI/all.zip"] = build_zip({"A.json": b"{not json", "B.json": b"[]"})
    with pytest.raises(db_store.DbError, match="no advisory records in"):
        db_update.update(root, "osv", ["PyPI"], base=server.base)
    assert db_store.current(root) is None


def test_only_https_or_the_loopback_is_fetched(tmp_path: Path) -> None:
    with pytest.raises(db_store.DbError, match="only https:// URLs"):
        db_update.update(tmp_path / "db", "http://example.org/all.zip")
    assert db_update.urls_for("osv", ["PyPI"]) == [
        "https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip"]


def test_the_proxy_from_the_environment_is_used(tmp_path: Path, server: Server,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """urllib's proxy handler reads <scheme>_proxy (HTTPS_PROXY for the real https:// sources): here the
    proxy is the test server itself, asked for an absolute URL of a host that does not resolve."""
    monkeypatch.setenv("http_proxy", server.base)
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    url = "http://localhost/PyPI/all.zip"
    db_update.download(url, tmp_path / "x.zip")
    assert server.seen == [url]  # an absolute URI: the request went through the proxy


def test_import_of_a_folder_an_archive_and_the_age(tmp_path: Path) -> None:
    root = tmp_path / "db"
    _folder, meta = db_update.import_path(root, FIXTURES / "advisories" / "pypa")
    assert meta["records"] == {"PyPI": 2} and meta["source"] == f"import {FIXTURES / 'advisories' / 'pypa'}"
    assert meta["as_of"] == "2021-06-16T00:03:24.800813Z"  # a copy is as old as its newest record
    age = db_store.age_days(meta)
    assert age is not None and age > 365
    archive = tmp_path / "npm-all.zip"
    archive.write_bytes(build_zip(records("npm")))
    folder2, meta2 = db_update.import_path(root, archive, hashlib.sha256(archive.read_bytes()).hexdigest())
    assert db_store.current(root) == folder2 and meta2["records"] == {"npm": 5}
    with pytest.raises(db_store.DbError, match="no such file or folder"):
        db_update.import_path(root, tmp_path / "nope")
    assert db_store.current(root) == folder2


def test_a_damaged_index_is_a_problem_not_an_exception(tmp_path: Path, server: Server) -> None:
    folder, _ = db_update.update(tmp_path / "db", "osv", ["PyPI"], base=server.base)
    (folder / db_index.INDEX).write_text(json.dumps({"format": 99}), "utf-8")
    db = osv.load_db(tmp_path / "db")
    assert db.problem is not None and "index format 99" in db.problem
