"""PyPA advisory-database records (YAML, vulns/<package>/PYSEC-*.yaml) read into the same findings as their
OSV JSON twins; numbers stay text; the repository's other YAML files are not records; any mix of layouts."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

from advisory_server import FIXTURES

from secscan.analyzers.advisories import osv, python_deps
from secscan.analyzers.advisories.pypa_yaml import load_yaml

PYPA = FIXTURES / "advisories" / "pypa"


def audit(db_folder: Path, tmp_path: Path, requirements: str, status: str = "ok"
          ) -> list[tuple[str, str, str, tuple[str, ...]]]:
    app = tmp_path / "app"
    app.mkdir(exist_ok=True)
    (app / "requirements.txt").write_text(requirements, "utf-8")
    parsed = python_deps.audit_python(app, ["requirements.txt"], osv.load_folder(db_folder))
    assert parsed.status.value == status, parsed.reason
    return [(f.rule_id, f.severity.name, f.message, f.package.fixed_versions if f.package else ())
            for f in parsed.findings]


def test_a_yaml_record_gives_the_findings_of_its_json_twin(tmp_path: Path) -> None:
    yaml_db = tmp_path / "yaml"
    shutil.copytree(PYPA, yaml_db)
    json_db = tmp_path / "json"
    json_db.mkdir()
    shutil.copy(FIXTURES / "osv" / "PyPI" / "PYSEC-2018-28.json", json_db)
    want = audit(json_db, tmp_path, "requests==2.19.1\n")
    assert want and want == audit(yaml_db, tmp_path, "requests==2.19.1\n")
    assert want[0][0] == "PYSEC-2018-28" and want[0][3] == ("2.20.0",)


def test_the_pypa_layout_leaves_out_its_other_yaml_files(tmp_path: Path) -> None:
    db = osv.load_folder(PYPA)
    assert (db.records, db.unreadable, db.problem) == (2, 0, None), db.errors
    assert db.count("PyPI") == 2
    found = audit(PYPA, tmp_path, "PyYAML==5.3\nrequests==2.20.0\n")
    assert [(rule, sev) for rule, sev, _m, _f in found] == [("PYSEC-2020-96", "HIGH")]  # unrated: high


def test_numbers_and_dates_stay_as_written() -> None:
    doc = load_yaml(b"versions:\n- 3.10\n- 5.3\n- 2\nmodified: 2021-03-26T02:44:00Z\nwithdrawn: null\n"
                    b"x: true\n")
    assert doc == {"versions": ["3.10", "5.3", "2"], "modified": "2021-03-26T02:44:00Z", "withdrawn": None,
                   "x": True}


def test_an_unquoted_version_is_matched_as_written(tmp_path: Path) -> None:
    rec = (PYPA / "vulns" / "pyyaml" / "PYSEC-2020-96.yaml").read_text("utf-8")
    rec = rec.replace("  - '5.1'\n", "  - 3.10\n").replace("introduced: '5.1'", "introduced: 3.10")
    (tmp_path / "db" / "vulns" / "pyyaml").mkdir(parents=True)
    (tmp_path / "db" / "vulns" / "pyyaml" / "PYSEC-2020-96.yaml").write_text(rec, "utf-8")
    assert [r[0] for r in audit(tmp_path / "db", tmp_path, "pyyaml==3.10\n")] == ["PYSEC-2020-96"]


def test_a_mix_of_json_zip_and_yaml_and_broken_yaml(tmp_path: Path) -> None:
    db_dir = tmp_path / "mix"
    shutil.copytree(PYPA, db_dir / "pypa")
    with zipfile.ZipFile(db_dir / "all.zip", "w") as zf:
        zf.write(FIXTURES / "advisories" / "PyPI" / "GHSA-6757-jp84-gxfx.json", "GHSA-6757-jp84-gxfx.json")
        zf.writestr("PYSEC-9999-1.yaml", "id: [unclosed\n")
    shutil.copy(FIXTURES / "osv" / "PyPI" / "GHSA-x84v-xcm2-53pg.json", db_dir)
    db = osv.load_folder(db_dir)
    assert (db.records, db.unreadable) == (4, 1)
    assert db.errors[0].startswith("all.zip!PYSEC-9999-1.yaml: invalid YAML")
    found = audit(db_dir, tmp_path, "pyyaml==5.3\n", "partial")  # partial: one record was unreadable
    # the YAML PYSEC record and the zipped GHSA twin are one finding, rated by GitHub's word
    assert [(r, s) for r, s, _m, _f in found] == [("PYSEC-2020-96", "CRITICAL")]


def test_a_folder_without_records_names_the_formats(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x", "utf-8")
    (tmp_path / "config.yaml").write_text("a: 1\n", "utf-8")
    problem = osv.load_folder(tmp_path).problem
    assert problem is not None and "OSV JSON records (*.json)" in problem
    assert "PyPA advisory-database YAML" in problem


def test_an_archive_of_the_pypa_repository_reads_only_its_records(tmp_path: Path) -> None:
    """What `secscan db update --source pypa` downloads: the repository as a zip, under one top folder."""
    archive = tmp_path / "main.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for p in sorted(PYPA.rglob("*")):
            if p.is_file():
                zf.write(p, f"advisory-database-main/{p.relative_to(PYPA).as_posix()}")
    db = osv.load_folder(tmp_path)
    assert (db.records, db.unreadable, db.problem) == (2, 0, None), db.errors
