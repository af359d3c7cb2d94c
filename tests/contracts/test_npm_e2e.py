"""npm through the CLI: npm audit (fake and real), the 405 answer, --offline, the OSV lockfile audit, imports
of every recorded npm audit sample, and one finding per advisory across npm audit, Trivy and OSV."""

from __future__ import annotations

import json
import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import scanner

from secscan.analyzers.advisories.npm_resolve import range_matches
from secscan.cli.main import main
from secscan.formats.json_report import validate

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
OSV = FIXTURES / "osv"
SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples"
NPM_SAMPLES = SAMPLES / "npm_audit"

# What `npm audit --json --package-lock-only` printed on this machine (npm 11.19.1, 2026-11-25) for
# tests/fixtures/npm/v3: the registry's bulk audit endpoint answers 405. Exit code 1.
NPM_405_STDOUT = """{
  "message": "405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk",
  "method": "POST",
  "uri": "https://registry.npmjs.org/-/npm/v1/security/advisories/bulk",
  "headers": {
    "allow": [
      "GET,HEAD"
    ],
    "date": [
      "Wed, 25 Nov 2026 18:35:58 GMT"
    ],
    "content-length": [
      "0"
    ],
    "x-fetch-attempts": [
      "1"
    ]
  },
  "statusCode": 405,
  "body": "",
  "error": {
    "summary": "",
    "detail": ""
  }
}
"""
NPM_405_STDERR = """npm warn audit 405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk
npm error audit endpoint returned an error
npm error A complete log of this run can be found in: /root/.npm/_logs/2026-11-25T18_35_56_331Z-debug-0.log
"""
NPM_405_MESSAGE = "405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk"

# npm 7+ output for tests/fixtures/npm/v3, in the shape of the recorded samples (real advisories).
NPM7_REPORT = {
    "auditReportVersion": 2,
    "vulnerabilities": {
        "lodash": {
            "name": "lodash",
            "severity": "high",
            "isDirect": True,
            "via": [
                {
                    "source": 1096305,
                    "name": "lodash",
                    "dependency": "lodash",
                    "title": "Command Injection in lodash",
                    "url": "https://github.com/advisories/GHSA-35jh-r3h4-6jhm",
                    "severity": "high",
                    "cwe": ["CWE-77", "CWE-94"],
                    "cvss": {"score": 7.2, "vectorString": "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H"},
                    "range": "<4.17.21",
                },
            ],
            "effects": [],
            "range": "<=4.17.20",
            "nodes": ["node_modules/lodash"],
            "fixAvailable": {"name": "lodash", "version": "4.17.21", "isSemVerMajor": False},
        },
        "minimist": {
            "name": "minimist",
            "severity": "critical",
            "isDirect": True,
            "via": [
                {
                    "source": 1097677,
                    "name": "minimist",
                    "dependency": "minimist",
                    "title": "Prototype Pollution in minimist",
                    "url": "https://github.com/advisories/GHSA-xvch-5gv4-984h",
                    "severity": "critical",
                    "cwe": ["CWE-1321"],
                    "cvss": {"score": 9.8, "vectorString": None},
                    "range": "<0.2.4 || >=1.0.0 <1.2.6",
                },
                {
                    "source": 1096466,
                    "name": "minimist",
                    "dependency": "minimist",
                    "title": "Prototype Pollution in minimist",
                    "url": "https://github.com/advisories/GHSA-vh95-rmgr-6w4m",
                    "severity": "moderate",
                    "cwe": ["CWE-1321"],
                    "cvss": {"score": 5.6, "vectorString": None},
                    "range": ">=1.0.0 <1.2.3",
                },
            ],
            "effects": ["mkdirp"],
            "range": "<=0.2.3 || 1.0.0 - 1.2.5",
            "nodes": ["node_modules/minimist", "node_modules/mkdirp/node_modules/minimist"],
            "fixAvailable": True,
        },
        "mkdirp": {
            "name": "mkdirp",
            "severity": "critical",
            "isDirect": True,
            "via": ["minimist"],
            "effects": [],
            "range": "0.4.1 - 0.5.1",
            "nodes": ["node_modules/mkdirp"],
            "fixAvailable": True,
        },
    },
    "metadata": {
        "vulnerabilities": {"info": 0, "low": 0, "moderate": 0, "high": 1, "critical": 2, "total": 3},
        "dependencies": {"prod": 4, "dev": 1, "optional": 0, "peer": 0, "peerOptional": 0, "total": 4},
    },
}

# Trivy's npm result for the same lockfile (shape of trivyrepo__npm.json.golden).
TRIVY_NPM_REPORT = {
    "SchemaVersion": 2,
    "ArtifactName": ".",
    "ArtifactType": "repository",
    "Results": [
        {
            "Target": "package-lock.json",
            "Class": "lang-pkgs",
            "Type": "npm",
            "Vulnerabilities": [
                {
                    "VulnerabilityID": "CVE-2021-23337",
                    "PkgName": "lodash",
                    "PkgID": "lodash@4.17.15",
                    "InstalledVersion": "4.17.15",
                    "FixedVersion": "4.17.21",
                    "Status": "fixed",
                    "SeveritySource": "ghsa",
                    "PrimaryURL": "https://avd.aquasec.com/nvd/cve-2021-23337",
                    "DataSource": {"ID": "ghsa", "Name": "GitHub Security Advisory npm"},
                    "Title": "nodejs-lodash: command injection via template",
                    "Severity": "HIGH",
                    "CweIDs": ["CWE-94"],
                }
            ],
        }
    ],
}


def run(args: list[str], out: Path) -> tuple[int, dict]:
    extra = [] if args[0] == "import" else ["--no-cache"]
    code = main([*args, "--output-dir", str(out), "--quiet", "--format", "json", *extra])
    report = json.loads((out / "secscan.json").read_text("utf-8"))
    validate(report)
    return code, report


def project(tmp_path: Path, version: str = "v3") -> Path:
    root = tmp_path / f"proj-{version}"
    shutil.copytree(FIXTURES / "npm" / version, root)
    return root


def fake_npm(
    fake_bin: Callable[[str, str], Path], tmp_path: Path, stdout: str, stderr: str = "", code: int = 0
) -> Path:
    """A fake npm that checks its arguments and folder, then prints a recorded answer."""
    (tmp_path / "npm-out.json").write_text(stdout, "utf-8")
    (tmp_path / "npm-err.txt").write_text(stderr, "utf-8")
    calls = tmp_path / "npm-calls.txt"
    fake_bin(
        "npm",
        textwrap.dedent(f"""\
        if [ "$1" = "--version" ]; then echo 11.19.1; exit 0; fi
        echo "$PWD $*" >> '{calls}'
        if [ "$*" != "audit --json --package-lock-only" ]; then echo "bad args: $*" >&2; exit 99; fi
        if [ ! -f package-lock.json ]; then echo "not in a lockfile folder: $PWD" >&2; exit 98; fi
        cat '{tmp_path / "npm-out.json"}'
        cat '{tmp_path / "npm-err.txt"}' >&2
        exit {code}
        """),
    )
    return calls


@pytest.mark.parametrize("code", [1, 0])
def test_405_from_the_audit_endpoint_is_failed_with_npms_message(
    fake_bin: Callable[[str, str], Path], tmp_path: Path, code: int
) -> None:
    root = project(tmp_path)
    calls = fake_npm(fake_bin, tmp_path, NPM_405_STDOUT, NPM_405_STDERR, code)
    exit_code, rep = run(["deps", str(root)], tmp_path / "out")
    s = scanner(rep, "npm-audit")
    assert s["status"] == "failed", s
    assert NPM_405_MESSAGE in s["reason"] and s["reason"].startswith("package-lock.json: npm audit failed")
    assert exit_code == 3 and rep["summary"]["gate"]["incomplete"] is True
    assert rep["findings"] == []
    cwd, *argv = calls.read_text("utf-8").split()
    assert argv == ["audit", "--json", "--package-lock-only"]
    assert Path(cwd).name.startswith("secscan-npm-")  # the private copy with the canary (test_npm_canary.py)


def test_npm7_report_gets_installed_versions_from_the_lockfile(
    fake_bin: Callable[[str, str], Path], tmp_path: Path
) -> None:
    root = project(tmp_path)
    fake_npm(fake_bin, tmp_path, json.dumps(NPM7_REPORT), code=1)
    code, rep = run(["deps", str(root), "--fail-on", "never", "--no-canary"], tmp_path / "out")
    assert code == 0 and scanner(rep, "npm-audit")["status"] == "ok"
    got = {
        (f["rule_id"], f["package"]["name"], f["package"]["version"], f["location"]["start_line"])
        for f in rep["findings"]
    }
    # GHSA-vh95 (>=1.0.0 <1.2.3) only affects the top-level 1.2.0, GHSA-xvch both installed copies.
    assert got == {
        ("GHSA-35jh-r3h4-6jhm", "lodash", "4.17.15", 18),
        ("GHSA-xvch-5gv4-984h", "minimist", "1.2.0", 23),
        ("GHSA-xvch-5gv4-984h", "minimist", "0.0.8", 40),
        ("GHSA-vh95-rmgr-6w4m", "minimist", "1.2.0", 23),
    }
    assert all(f["location"]["path"] == "package-lock.json" for f in rep["findings"])
    nested = next(f for f in rep["findings"] if f["package"]["version"] == "0.0.8")
    assert nested["remediation"] == "upgrade minimist from 0.0.8 to 0.2.4"


def test_offline_skips_npm_audit_without_calling_npm(
    fake_bin: Callable[[str, str], Path], tmp_path: Path
) -> None:
    root = project(tmp_path)
    calls = fake_npm(fake_bin, tmp_path, NPM_405_STDOUT)
    code, rep = run(["deps", str(root), "--offline"], tmp_path / "out")
    s = scanner(rep, "npm-audit")
    assert s["status"] == "skipped" and s["reason"] == "offline" and not s["incomplete"]
    assert code == 0 and not calls.exists()


def test_no_npm_on_path_is_skipped_with_that_reason(
    fake_bin: Callable[[str, str], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = project(tmp_path)
    monkeypatch.setenv("PATH", str(fake_bin("placeholder", "exit 0").parent))
    code, rep = run(["deps", str(root)], tmp_path / "out")
    s = scanner(rep, "npm-audit")
    assert s["status"] == "skipped" and "npm not found on PATH" in s["reason"]
    assert code == 0


@pytest.mark.parametrize("version", ["v1", "v2", "v3"])
def test_offline_lockfile_audit_of_each_lockfile_version(tmp_path: Path, version: str) -> None:
    root = project(tmp_path, version)
    code, rep = run(["deps", str(root), "--osv-db", str(OSV)], tmp_path / "out")
    s = scanner(rep, "npm-audit")
    assert s["status"] == "ok" and s["canary"] == "detected", s
    assert s["coverage"]["dependencies_audited"] == 4 and s["coverage"]["lockfiles"] == 1
    got = {(f["rule_id"], f["package"]["name"], f["package"]["version"]) for f in rep["findings"]}
    assert got == {
        ("GHSA-35jh-r3h4-6jhm", "lodash", "4.17.15"),
        ("GHSA-29mw-wpgm-hmr9", "lodash", "4.17.15"),
        ("GHSA-xvch-5gv4-984h", "minimist", "1.2.0"),
        ("GHSA-xvch-5gv4-984h", "minimist", "0.0.8"),
        ("GHSA-vh95-rmgr-6w4m", "minimist", "1.2.0"),
        ("GHSA-vh95-rmgr-6w4m", "minimist", "0.0.8"),
    }
    assert code == 1  # GHSA-xvch-5gv4-984h is critical
    assert not any(".secscan-canary" in f["location"]["path"] for f in rep["findings"])
    assert not any(p.name.startswith(".secscan-canary") for p in root.iterdir())


def test_offline_canary_blind_audit_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An audit that reports nothing (here: a broken matcher) misses the canary: failed, not clean."""
    from secscan.analyzers.advisories import npm_lockfile
    from secscan.core.model import Parsed, Status

    root = project(tmp_path)
    monkeypatch.setattr(npm_lockfile, "audit_npm", lambda *a, **k: Parsed("npm-audit", (), Status.OK))
    code, rep = run(["deps", str(root), "--osv-db", str(OSV)], tmp_path / "out")
    s = scanner(rep, "npm-audit")
    assert s["status"] == "failed" and "canary not detected" in s["reason"] and s["canary"] == "missing"
    assert code == 3


def test_offline_canary_comes_from_the_osv_folder(tmp_path: Path) -> None:
    """A folder without lodash/minimist records: the canary is taken from the record it has."""
    root = project(tmp_path)
    db = tmp_path / "osv"
    (db / "npm").mkdir(parents=True)
    rec = json.loads((OSV / "npm" / "GHSA-w7rc-rwvf-8q5r.json").read_text("utf-8"))  # node-fetch only
    (db / "npm" / "GHSA-w7rc-rwvf-8q5r.json").write_text(json.dumps(rec), "utf-8")
    code, rep = run(["deps", str(root), "--osv-db", str(db)], tmp_path / "out")
    s = scanner(rep, "npm-audit")
    assert s["status"] == "ok" and s["canary"] == "detected" and rep["findings"] == []
    assert code == 0


def test_merged_across_npm_audit_trivy_and_osv(tmp_path: Path) -> None:
    root = project(tmp_path)
    npm_file, trivy_file = tmp_path / "npm-audit.json", tmp_path / "trivy.json"
    npm_file.write_text(json.dumps(NPM7_REPORT), "utf-8")
    trivy_file.write_text(json.dumps(TRIVY_NPM_REPORT), "utf-8")
    code, rep = run(
        [
            "deps",
            str(root),
            "--osv-db",
            str(OSV),
            "--import",
            f"npm-audit={npm_file}",
            "--import",
            f"trivy={trivy_file}",
        ],
        tmp_path / "out",
    )
    lodash = [
        f
        for f in rep["findings"]
        if f["package"]["name"] == "lodash" and "GHSA-35jh-r3h4-6jhm" in f["identifiers"]
    ]
    assert len(lodash) == 1, lodash
    (f,) = lodash
    assert set(f["sources"]) == {"osv-db", "npm-audit", "trivy"}
    assert {"CVE-2021-23337", "GHSA-35jh-r3h4-6jhm"} <= set(f["identifiers"])
    assert f["package"]["version"] == "4.17.15"
    # each advisory and installed version once: 6 from the OSV audit, nothing left over from the imports
    keys = [(g["rule_id"], g["package"]["name"], g["package"]["version"]) for g in rep["findings"]]
    assert len(keys) == len(set(keys)) == 6
    minimist = next(
        g
        for g in rep["findings"]
        if g["package"]["version"] == "0.0.8" and g["rule_id"] == "GHSA-xvch-5gv4-984h"
    )
    assert set(minimist["sources"]) == {"osv-db", "npm-audit"}
    assert code == 1


@pytest.mark.parametrize(
    "name",
    ["defectdojo__npm_audit__many_vuln_with_groups.json", "defectdojo__npm_audit_7_plus__one_vuln.json"],
)
def test_import_option_inside_a_scan_both_shapes(tmp_path: Path, name: str) -> None:
    path = NPM_SAMPLES / name
    if not path.is_file():
        pytest.skip("[shared] ../shared/samples not present")
    root = tmp_path / "empty"
    root.mkdir()
    code, rep = run(
        ["deps", str(root), "--import", f"npm-audit={path}", "--fail-on", "never"], tmp_path / "out"
    )
    s = scanner(rep, f"npm-audit (import {name})")
    assert s["status"] == "ok" and s["findings"] == len(rep["findings"]) == (5 if "groups" in name else 2)
    assert all(f["sources"] == ["npm-audit"] and f["remediation"] for f in rep["findings"])
    assert code == 0


# sample -> (exit code, findings, status); counted by hand from the files (npm 6: one per advisory and
# installed version; npm 7+: one per advisory object in `via`).
IMPORT_EXPECTED = {
    "defectdojo__npm_audit_7_plus__issue_10801.json": (0, 1, "ok"),
    "defectdojo__npm_audit_7_plus__multiple_cwes_fabricated.json": (0, 1, "ok"),
    "defectdojo__npm_audit_7_plus__no_vuln.json": (0, 0, "ok"),
    "defectdojo__npm_audit_7_plus__one_vuln.json": (0, 2, "ok"),
    "defectdojo__npm_audit__cwe_null.json": (1, 1, "ok"),
    "defectdojo__npm_audit__empty_with_error.json": (3, 0, "failed"),
    "defectdojo__npm_audit__issue_7897.json": (0, 5, "ok"),
    "defectdojo__npm_audit__many_vuln_npm7.json": (0, 8, "ok"),
    "defectdojo__npm_audit__many_vuln_with_groups.json": (0, 5, "ok"),
    "defectdojo__npm_audit__multiple_cwes.json": (1, 44, "ok"),
    "defectdojo__npm_audit__no_vuln.json": (0, 0, "ok"),
    "defectdojo__npm_audit__one_vuln.json": (1, 1, "ok"),
}


def test_every_npm_audit_sample_is_covered() -> None:
    if not NPM_SAMPLES.is_dir():
        pytest.skip("[shared] ../shared/samples not present")
    assert sorted(p.name for p in NPM_SAMPLES.glob("*.json")) == sorted(IMPORT_EXPECTED)


@pytest.mark.parametrize("name", sorted(IMPORT_EXPECTED))
def test_import_every_sample(tmp_path: Path, name: str) -> None:
    path = NPM_SAMPLES / name
    if not path.is_file():
        pytest.skip("[shared] ../shared/samples not present")
    exit_code, count, status = IMPORT_EXPECTED[name]
    code, rep = run(["import", "npm-audit", str(path)], tmp_path / "out")
    (s,) = rep["scanners"]
    assert (code, len(rep["findings"]), s["status"]) == (exit_code, count, status), s
    assert s["findings"] == count and sum(rep["summary"]["counts"].values()) == count
    if status == "failed":
        assert "ENOAUDIT" in s["reason"]


def test_import_of_a_broken_file_is_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"auditReportVersion": 2, "vulnerabilities": []}', "utf-8")
    assert main(["import", "npm-audit", str(bad), "--output-dir", str(tmp_path / "out"), "--quiet"]) == 2


@pytest.mark.parametrize(
    ("spec", "version", "expected"),
    [
        ("<4.17.21", "4.17.15", True),
        ("<4.17.21", "4.17.21", False),
        ("<0.2.4 || >=1.0.0 <1.2.6", "0.0.8", True),
        ("<0.2.4 || >=1.0.0 <1.2.6", "1.2.0", True),
        ("<0.2.4 || >=1.0.0 <1.2.6", "1.2.6", False),
        (">=1.0.0 <1.2.3", "0.0.8", False),
        (">= 1.0.0 <= 1.2.5", "1.2.5", True),
        ("*", "9.9.9", True),
        ("=1.0.0", "1.0.0", True),
        ("1.0.0 - 1.2.5", "1.1.0", None),
        ("1.x", "1.1.0", None),
        ("<1.0.0", "not-a-version", None),
    ],
)
def test_npm_range_matching(spec: str, version: str, expected: bool | None) -> None:
    assert range_matches(spec, version) is expected


@pytest.mark.slow
def test_real_npm_never_reads_as_clean(tmp_path: Path) -> None:
    """The real npm on the vulnerable fixture: findings, or a failure with npm's reason, never a clean ok."""
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed")
    root = project(tmp_path)
    code, rep = run(["deps", str(root), "--timeout", "120"], tmp_path / "out")
    s = scanner(rep, "npm-audit")
    if s["status"] == "ok":
        assert any(f["package"]["name"] == "lodash" for f in rep["findings"]) and code == 1
    else:
        assert s["status"] in ("failed", "timeout") and s["reason"] and code == 3, s
