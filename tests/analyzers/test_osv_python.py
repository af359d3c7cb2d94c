"""Python dependency files (requirements, pyproject, lock files) and the offline OSV audit of them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from secscan.analyzers.advisories.osv import load_folder
from secscan.analyzers.advisories.python_deps import audit_python, find_python_manifests, read_python_deps
from secscan.core.model import Category, Severity, Status

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
OSV = FIXTURES / "osv"


@pytest.fixture(scope="module")
def db():
    return load_folder(OSV)


def write(root: Path, rel: str, text: str) -> str:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    return rel


def pins(deps) -> dict[str, str]:
    return {d.name: d.version for d in deps}


def test_find_python_manifests() -> None:
    wanted = ["requirements.txt", "requirements-dev.txt", "requirements/base.txt", "sub/pyproject.toml",
              "poetry.lock", "uv.lock", "Pipfile.lock", "pylock.toml", "pylock.dev.toml",
              "test-requirements.txt"]
    ignored = ["setup.py", "README.txt", ".venv/lib/requirements.txt", "node_modules/x/requirements.txt",
               "a/site-packages/pyproject.toml", "notes/requirements.md"]
    found = find_python_manifests(".", [*wanted, *ignored, "./docs/requirements.txt"])
    assert found == sorted([*wanted, "docs/requirements.txt"])


REQS = """\
# a comment
--index-url https://pypi.org/simple
-c constraints.txt
requests==2.19.1  # pinned, with an inline comment
Django===3.2.12
requests-toolbelt[socks] == 0.9.1 ; python_version >= "3.6"
futures==3.3.0 ; python_version < "3.0"
pywin32==227 ; sys_platform == "win32"
urllib3==1.23 \\
    --hash=sha256:a68ac5e15e76e7e5dd2b8f94007233e01effe3e50e8daddf69acfd81cb686baf \\
    --hash=sha256:b5725a0bd4ba422ab0e66e89e030c806576753ea3ee08554382c14e685d117b5
flask>=2.0
six
idna==2.*
-e ./local-package
pkg @ https://example.com/pkg-1.0.tar.gz
git+https://github.com/psf/requests@v2.19.1#egg=requests
./vendor/thing
not a requirement!!
"""


def test_requirements_pins_skips_and_lines(tmp_path: Path) -> None:
    rel = write(tmp_path, "requirements.txt", REQS)
    deps, skipped = read_python_deps(tmp_path, rel)
    assert pins(deps) == {"requests": "2.19.1", "Django": "3.2.12", "requests-toolbelt": "0.9.1",
                          "pywin32": "227", "urllib3": "1.23"}
    lines = {d.name: d.line for d in deps}
    assert lines == {"requests": 4, "Django": 5, "requests-toolbelt": 6, "pywin32": 8, "urllib3": 9}
    assert all(d.manifest == "requirements.txt" and d.ecosystem == "PyPI" for d in deps)
    reasons = dict(skipped)
    assert reasons["flask"] == "not pinned: >=2.0"
    assert reasons["six"] == "not pinned: no version"
    assert reasons["idna"] == "not pinned: ==2.*"
    assert reasons["./local-package"] == "editable install, not from a package index"
    assert reasons["pkg"] == "direct URL reference, not from a package index"
    assert reasons["git+https://github.com/psf/requests@v2.19.1#egg=requests"].startswith("local path or URL")
    assert reasons["./vendor/thing"].startswith("local path or URL")
    assert reasons["not a requirement!!"].startswith("unparseable requirement")
    assert "futures" not in reasons and "futures" not in pins(deps)  # marker never holds on Python 3


def test_requirements_includes_stay_inside_the_target(tmp_path: Path) -> None:
    write(tmp_path, "base.txt", "requests==2.19.1\n-r requirements-dev.txt\n")  # a cycle
    write(tmp_path, "sub/more.txt", "django==3.2.12\n")
    rel = write(tmp_path, "requirements-dev.txt",
                "-r base.txt\n--requirement=sub/more.txt\n-rmissing.txt\n-r ../../etc/passwd\n"
                "-r https://example.com/r.txt\nsetuptools==65.5.0\n")
    deps, skipped = read_python_deps(tmp_path, rel)
    assert {(d.name, d.version, d.manifest) for d in deps} == {
        ("requests", "2.19.1", "base.txt"), ("django", "3.2.12", "sub/more.txt"),
        ("setuptools", "65.5.0", "requirements-dev.txt")}
    assert dict(skipped) == {"missing.txt": "included file not found",
                             "../../etc/passwd": "include outside the target folder not followed",
                             "https://example.com/r.txt": "remote include not followed (offline)"}


def test_unreadable_manifest_is_skipped_not_raised(tmp_path: Path) -> None:
    assert read_python_deps(tmp_path, "requirements.txt")[1][0][1].startswith("unreadable")
    rel = write(tmp_path, "pyproject.toml", "[project\nname=")
    deps, skipped = read_python_deps(tmp_path, rel)
    assert deps == [] and skipped[0].name == "pyproject.toml" and "invalid TOML" in skipped[0].reason
    rel = write(tmp_path, "Pipfile.lock", "{}")
    assert "not a Pipfile.lock" in read_python_deps(tmp_path, rel)[1][0].reason


PYPROJECT = """\
[project]
name = "demo"
version = "1.0"
dependencies = [
  "requests==2.19.1",
  "click>=8",
]
dynamic = ["dependencies"]

[project.optional-dependencies]
web = ["django==3.2.12"]

[dependency-groups]
dev = ["setuptools==65.5.0", {include-group = "lint"}]
lint = ["ruff"]

[tool.poetry.dependencies]
python = "^3.11"
urllib3 = "1.23"
idna = "^2.7"
chardet = { version = "==3.0.4" }
mylib = { git = "https://example.com/mylib.git" }

[tool.poetry.group.test.dependencies]
pytest = "7.0.0"
"""


def test_pyproject_tables(tmp_path: Path) -> None:
    rel = write(tmp_path, "pyproject.toml", PYPROJECT)
    deps, skipped = read_python_deps(tmp_path, rel)
    got = {d.name: (d.version, d.dev, d.line) for d in deps}
    assert got == {"requests": ("2.19.1", False, 5), "django": ("3.2.12", False, 11),
                   "setuptools": ("65.5.0", True, 14), "urllib3": ("1.23", False, 19),
                   "chardet": ("3.0.4", False, 21), "pytest": ("7.0.0", True, 25)}
    assert dict(skipped) == {"click": "not pinned: >=8", "ruff": "not pinned: no version",
                             "idna": "not pinned: ^2.7", "mylib": "not from a package index",
                             "pyproject.toml": "[project] dependencies are dynamic (computed at build time)"}


def test_uv_lock_real_file() -> None:
    deps, skipped = read_python_deps(FIXTURES / "python" / "uv", "uv.lock")
    assert skipped == []
    got = pins(deps)
    assert "secscan-uv-fixture" not in got  # the project itself (source = { virtual = "." })
    assert got["requests"] == "2.19.1" and got["django"] == "3.2.12" and got["setuptools"] == "65.5.0"
    assert got["urllib3"] == "1.23" and len(got) == 10
    assert all(d.line for d in deps)


def test_pylock_real_file() -> None:
    deps, skipped = read_python_deps(FIXTURES / "python" / "uv", "pylock.toml")
    assert skipped == [] and pins(deps) == pins(read_python_deps(FIXTURES / "python" / "uv", "uv.lock")[0])


def test_pipfile_lock_real_file() -> None:
    deps, skipped = read_python_deps(FIXTURES / "python" / "pipenv", "Pipfile.lock")
    assert skipped == []
    got = {d.name: (d.version, d.dev) for d in deps}
    assert got["requests"] == ("2.19.1", False) and got["django"] == ("3.2.12", True)
    assert got["chardet"] == ("3.0.4", False)


POETRY_V1 = """\
[[package]]
name = "requests"
version = "2.19.1"
description = "Python HTTP for Humans."
category = "main"
optional = false
python-versions = "*"

[[package]]
name = "django"
version = "3.2.12"
description = ""
category = "dev"
optional = false
python-versions = ">=3.6"

[[package]]
name = "mylib"
version = "0.1.0"
description = ""
category = "main"
optional = false
python-versions = "*"

[package.source]
type = "git"
url = "https://example.com/mylib.git"
reference = "main"
resolved_reference = "0123abcd"

[metadata]
lock-version = "1.1"
python-versions = "^3.8"
content-hash = "0"
"""

POETRY_V2 = """\
# This file is automatically @generated by Poetry 2.1.3 and should not be changed by hand.

[[package]]
name = "django"
version = "3.2.12"
description = ""
optional = false
python-versions = ">=3.6"
groups = ["dev"]
files = []

[[package]]
name = "requests"
version = "2.19.1"
description = ""
optional = false
python-versions = "*"
groups = ["main", "dev"]
files = []

[metadata]
lock-version = "2.1"
python-versions = "^3.11"
content-hash = "0"
"""


@pytest.mark.parametrize("text", [POETRY_V1, POETRY_V2])
def test_poetry_lock_formats(tmp_path: Path, text: str) -> None:
    rel = write(tmp_path, "poetry.lock", text)
    deps, skipped = read_python_deps(tmp_path, rel)
    got = {d.name: (d.version, d.dev) for d in deps}
    assert got == {"requests": ("2.19.1", False), "django": ("3.2.12", True)}
    assert dict(skipped) == ({"mylib": "not from a package index (git source)"} if "mylib" in text else {})


# ---- the audit ----

def ids(parsed) -> dict[tuple[str, str], set[str]]:
    out: dict[tuple[str, str], set[str]] = {}
    for f in parsed.findings:
        out.setdefault((f.package.name, f.package.version), set()).add(f.rule_id)
    return out


def test_audit_requirements_end_to_end(tmp_path: Path, db) -> None:
    write(tmp_path, "requirements.txt", "requests==2.19.1\ndjango==3.2.12\nsetuptools==65.5.0\nsix==1.16.0\n")
    p = audit_python(tmp_path, ["requirements.txt"], db)
    assert p.tool == "pip-audit" and p.status is Status.OK and p.reason is None
    assert p.coverage["dependencies_audited"] == 4 and p.coverage["dependencies_skipped"] == 0
    assert ids(p) == {
        ("requests", "2.19.1"): {"PYSEC-2018-28", "PYSEC-2023-74", "GHSA-9wx4-h78v-vm56",
                                 "GHSA-9hjg-9r4m-mvj7"},
        ("django", "3.2.12"): {"GHSA-2gwj-7jmv-h26r", "GHSA-p64x-8rxx-wf6q"},
        ("setuptools", "65.5.0"): {"GHSA-5rjg-fvgr-3xxf"}}
    f = next(f for f in p.findings if f.rule_id == "PYSEC-2018-28")
    # the PYSEC record and its GHSA twin (shared CVE) are one finding, rated by the GHSA's CVSS vector
    assert f.identifiers == ("PYSEC-2018-28", "GHSA-x84v-xcm2-53pg", "CVE-2018-18074", "CWE-522")
    assert (f.severity, f.raw_severity) == (Severity.HIGH, "HIGH")
    assert f.properties["cvss_score"] == 7.5 and f.severity_source == "cvss_v3"
    assert f.category is Category.DEPENDENCY and f.sources == ("osv-db",) and f.fingerprint == ""
    assert f.package.fixed_versions == ("2.20.0",) and f.package.ecosystem == "PyPI"
    assert f.package.manifest == "requirements.txt" and f.location.path == "requirements.txt"
    assert f.location.start_line == 1
    assert f.title == "Moderate severity vulnerability that affects requests"
    assert f.message.startswith("requests 2.19.1 is affected by PYSEC-2018-28 (fixed in 2.20.0): ")
    dj = {f.rule_id: f for f in p.findings if f.package.name == "django"}
    assert dj["GHSA-2gwj-7jmv-h26r"].package.fixed_versions == ("2.2.28", "3.2.13", "4.0.4")
    assert dj["GHSA-p64x-8rxx-wf6q"].package.fixed_versions == ("3.2.14", "4.0.6")
    assert {f.severity for f in dj.values()} == {Severity.CRITICAL}
    st = next(f for f in p.findings if f.package.name == "setuptools")
    got = (st.severity, st.properties["cvss_score"], st.severity_source)
    assert got == (Severity.HIGH, 7.7, "cvss_v4")


def test_record_without_any_severity_gets_the_default(tmp_path: Path, db) -> None:
    write(tmp_path, "requirements.txt", "requests==2.5.0\n")
    p = audit_python(tmp_path, ["requirements.txt"], db)
    f = next(f for f in p.findings if f.rule_id == "PYSEC-2015-17")
    got = (f.severity, f.raw_severity, f.severity_source)
    assert got == (Severity.HIGH, "unrated", "default")


def test_fixed_versions_not_affected(tmp_path: Path, db) -> None:
    write(tmp_path, "requirements.txt", "requests==2.32.4\ndjango==3.2.14\n")
    p = audit_python(tmp_path, ["requirements.txt"], db)
    assert p.status is Status.OK and p.findings == ()


def test_some_unpinned_is_partial_all_unpinned_is_failed(tmp_path: Path, db) -> None:
    write(tmp_path, "requirements.txt", "requests==2.19.1\nflask>=2\n")
    p = audit_python(tmp_path, ["requirements.txt"], db)
    assert p.status is Status.PARTIAL and p.findings
    assert p.reason == "1 dependencies not audited: requirements.txt: flask (not pinned: >=2)"
    write(tmp_path, "requirements.txt", "requests\nflask>=2\n")
    p = audit_python(tmp_path, ["requirements.txt"], db)
    assert p.status is Status.FAILED and p.reason.startswith("no dependency could be audited (2 skipped: ")
    write(tmp_path, "requirements.txt", "# nothing\n")
    assert audit_python(tmp_path, ["requirements.txt"], db).status is Status.SKIPPED


def test_lock_next_to_pyproject_covers_its_ranges(tmp_path: Path, db) -> None:
    shutil.copytree(FIXTURES / "python" / "uv", tmp_path / "proj")
    (tmp_path / "proj" / "pyproject.toml").write_text(
        '[project]\nname = "x"\nversion = "0"\ndependencies = ["requests>=2", "django"]\n')
    manifests = find_python_manifests(tmp_path, ["proj/pyproject.toml", "proj/uv.lock"])
    p = audit_python(tmp_path, manifests, db)
    assert p.status is Status.OK, p.reason
    assert ("requests", "2.19.1") in ids(p)
    assert {f.package.manifest for f in p.findings} == {"proj/uv.lock"}


def test_database_problems_make_the_audit_fail_or_partial(tmp_path: Path, db) -> None:
    write(tmp_path, "requirements.txt", "requests==2.19.1\n")
    p = audit_python(tmp_path, ["requirements.txt"], tmp_path / "no-such-db")
    assert p.status is Status.FAILED and p.reason.startswith("OSV database folder not found")
    npm_only = tmp_path / "npm-only"
    shutil.copytree(OSV / "npm", npm_only)
    p = audit_python(tmp_path, ["requirements.txt"], npm_only)
    assert p.status is Status.FAILED and "holds no PyPI record" in p.reason
    broken = tmp_path / "broken"
    shutil.copytree(OSV / "PyPI", broken)
    (broken / "bad.json").write_text("{")
    p = audit_python(tmp_path, ["requirements.txt"], broken)
    assert p.status is Status.PARTIAL and "1 unreadable OSV records skipped: bad.json" in p.reason
    assert p.findings and p.coverage["osv_records_unreadable"] == 1


def test_undecidable_range_is_reported(tmp_path: Path) -> None:
    rec = json.loads((OSV / "PyPI" / "GHSA-x84v-xcm2-53pg.json").read_text())
    rec["affected"][0]["ranges"][0]["events"][1]["fixed"] = "not-a-version"
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "r.json").write_text(json.dumps(rec))
    write(tmp_path, "requirements.txt", "requests==2.19.1\n")
    p = audit_python(tmp_path, ["requirements.txt"], tmp_path / "db")
    assert p.status is Status.PARTIAL
    assert "1 advisories could not be evaluated: GHSA-x84v-xcm2-53pg" in p.reason
