"""Loading a folder of OSV records: files, subfolders, all.zip exports, unreadable and withdrawn records."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from secscan.analyzers.advisories.osv import load_db, load_folder, parse_record

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "osv"
PYPI_IDS = {"PYSEC-2018-28", "PYSEC-2023-74", "PYSEC-2015-17", "GHSA-x84v-xcm2-53pg", "GHSA-j8r2-6x86-q33q",
            "GHSA-9wx4-h78v-vm56", "GHSA-9hjg-9r4m-mvj7", "GHSA-2gwj-7jmv-h26r", "GHSA-p64x-8rxx-wf6q",
            "GHSA-5rjg-fvgr-3xxf"}
NPM_IDS = {"GHSA-35jh-r3h4-6jhm", "GHSA-29mw-wpgm-hmr9", "GHSA-xvch-5gv4-984h", "GHSA-vh95-rmgr-6w4m",
           "GHSA-w7rc-rwvf-8q5r"}


def ids(db, eco: str, name: str) -> set[str]:
    return {rec.id for rec, _ in db.lookup(eco, name)}


def test_fixture_folder_with_ecosystem_subfolders() -> None:
    db = load_folder(FIXTURES)
    assert db.problem is None and db.unreadable == 0 and db.withdrawn == 0
    assert db.records == len(PYPI_IDS | NPM_IDS)
    assert db.count("PyPI") == len(PYPI_IDS) and db.count("npm") == len(NPM_IDS)
    assert ids(db, "PyPI", "requests") == PYPI_IDS - {"GHSA-2gwj-7jmv-h26r", "GHSA-p64x-8rxx-wf6q",
                                                      "GHSA-5rjg-fvgr-3xxf"}
    # one record names "Django", the other "django"
    assert ids(db, "PyPI", "DJANGO") == {"GHSA-2gwj-7jmv-h26r", "GHSA-p64x-8rxx-wf6q"}
    assert ids(db, "npm", "lodash-es") == {"GHSA-35jh-r3h4-6jhm", "GHSA-29mw-wpgm-hmr9"}
    assert ids(db, "npm", "requests") == set() and ids(db, "PyPI", "lodash") == set()


def test_record_fields() -> None:
    db = load_folder(FIXTURES)
    rec = next(r for r, _ in db.lookup("PyPI", "requests") if r.id == "GHSA-x84v-xcm2-53pg")
    assert rec.aliases == ("CVE-2018-18074",)
    assert rec.cwe_ids == ("CWE-522",) and rec.database_severity == "HIGH"
    assert rec.severity == (("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"),)
    assert rec.source == "PyPI/GHSA-x84v-xcm2-53pg.json"
    assert rec.rating.score == 7.5
    # two affected entries of the same package in one record are both indexed
    assert len([e for r, e in db.lookup("npm", "minimist") if r.id == "GHSA-xvch-5gv4-984h"]) == 2


def test_all_zip_export_is_read(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "all.zip", "w") as zf:
        for p in sorted((FIXTURES / "npm").glob("*.json")):
            zf.write(p, p.name)
        zf.writestr("broken.json", "{not json")
        zf.writestr("README.txt", "ignored")
    (tmp_path / "PyPI").mkdir()
    with zipfile.ZipFile(tmp_path / "PyPI" / "all.zip", "w") as zf:
        for p in sorted((FIXTURES / "PyPI").glob("*.json")):
            zf.writestr(p.name, p.read_text())
    db = load_folder(tmp_path)
    assert db.count("npm") == len(NPM_IDS) and db.count("PyPI") == len(PYPI_IDS)
    assert db.unreadable == 1 and db.errors[0].startswith("all.zip!broken.json: ")


def test_unreadable_records_are_counted_never_fatal(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "PyPI" / "PYSEC-2018-28.json", tmp_path)
    (tmp_path / "empty.json").write_text("")
    (tmp_path / "list.json").write_text("[1, 2]")
    (tmp_path / "noid.json").write_text(json.dumps({"affected": []}))
    (tmp_path / "badaffected.json").write_text(json.dumps({"id": "X-1", "affected": {"oops": 1}}))
    (tmp_path / "latin1.json").write_bytes(b'{"id": "\xff"}')
    (tmp_path / "deep.json").write_text("[" * 100000 + "]" * 100000)
    (tmp_path / "bad.zip").write_bytes(b"PK not really a zip")
    (tmp_path / "notes.txt").write_text("not a record, not counted")
    db = load_folder(tmp_path)
    assert db.records == 1 and db.problem is None
    assert db.unreadable == 7
    assert any("noid.json: no id" in e for e in db.errors)
    assert any("bad.zip" in e for e in db.errors)


def test_withdrawn_records_are_skipped_and_counted(tmp_path: Path) -> None:
    rec = json.loads((FIXTURES / "PyPI" / "GHSA-x84v-xcm2-53pg.json").read_text())
    rec["withdrawn"] = "2024-01-01T00:00:00Z"
    (tmp_path / "w.json").write_text(json.dumps(rec))
    shutil.copy(FIXTURES / "npm" / "GHSA-35jh-r3h4-6jhm.json", tmp_path)
    db = load_folder(tmp_path)
    assert (db.records, db.withdrawn, db.unreadable) == (1, 1, 0)
    assert db.lookup("PyPI", "requests") == []


def test_missing_or_empty_folder_is_a_problem_not_an_exception(tmp_path: Path) -> None:
    assert load_folder(tmp_path / "nope").problem == f"OSV database folder not found: {tmp_path / 'nope'}"
    assert load_folder(tmp_path).problem == (
        f"no advisory records in {tmp_path} (read: OSV JSON records (*.json), OSV zip archives (*.zip), PyPA "
        "advisory-database YAML (*.yaml); or a database installed by `secscan db`)")


def test_load_db_reuses_until_a_file_changes(tmp_path: Path) -> None:
    shutil.copy(FIXTURES / "npm" / "GHSA-35jh-r3h4-6jhm.json", tmp_path)
    first = load_db(tmp_path)
    assert load_db(tmp_path) is first
    shutil.copy(FIXTURES / "npm" / "GHSA-29mw-wpgm-hmr9.json", tmp_path)
    second = load_db(tmp_path)
    assert second is not first and second.records == 2


def test_parse_record_rejects_non_records() -> None:
    with pytest.raises(ValueError, match="no id"):
        parse_record({"summary": "x"}, "x.json")
    with pytest.raises(ValueError, match="not a JSON object"):
        parse_record([], "x.json")
    rec = parse_record({"id": "OSV-1", "aliases": ["OSV-1", "CVE-1", 3], "severity": [{"type": "CVSS_V3"}],
                        "affected": [{"package": {"ecosystem": "PyPI", "name": "a"}}, "junk"]}, "x.json")
    assert rec is not None and rec.aliases == ("CVE-1",) and rec.severity == () and len(rec.affected) == 1
