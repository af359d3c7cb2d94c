"""Remediation and top actions through the CLI (offline OSV records), one finding per advisory across
pip-audit, the OSV audit and Trivy, and the pip-audit canaries (online with a fake pip-audit, offline)."""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import scanner

from secscan.analyzers.advisories.osv import load_folder
from secscan.cli.main import main
from secscan.formats.json_report import validate

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
OSV = FIXTURES / "osv"

REQUIREMENTS = "requests==2.19.1\ndjango==3.2.12\n"


def run(args: list[str], out: Path, formats: str = "json") -> tuple[int, dict]:
    code = main([*args, "--output-dir", str(out), "--no-cache", "--quiet", "--format", formats])
    report = json.loads((out / "secscan.json").read_text("utf-8"))
    validate(report)
    return code, report


def tree(tmp_path: Path, requirements: str = REQUIREMENTS, pyproject: str = "") -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "requirements.txt").write_text(requirements, "utf-8")
    if pyproject:
        (root / "pyproject.toml").write_text(pyproject, "utf-8")
    return root


def test_top_actions_one_upgrade_per_package_at_the_right_version(tmp_path: Path) -> None:
    root = tree(tmp_path)
    code, rep = run(["deps", str(root), "--osv-db", str(OSV)], tmp_path / "out", "json,md,html")
    assert scanner(rep, "pip-audit")["status"] == "ok" and scanner(rep, "pip-audit")["canary"] == "detected"
    actions = [(a["action"], a["severity"], len(a["clears"])) for a in rep["summary"]["actions"]]
    # requests: 4 advisories fixed in 2.20.0, 2.31.0, 2.32.2, 2.32.4 -> the highest; django 3.2.12: two
    # advisories fixed in 3.2.13 and 3.2.14 (on the 3.2 branch, not 2.2.28 or 4.0.x) -> 3.2.14.
    assert actions == [
        ("upgrade django from 3.2.12 to 3.2.14", "critical", 2),
        ("upgrade requests from 2.19.1 to 2.32.4", "high", 4),
    ]
    by_fp = {f["fingerprint"]: f for f in rep["findings"]}
    for a in rep["summary"]["actions"]:
        assert {by_fp[fp]["remediation"] for fp in a["clears"]} == {a["action"]}
    assert code == 1
    md = (tmp_path / "out" / "secscan.md").read_text("utf-8")
    html_text = (tmp_path / "out" / "secscan.html").read_text("utf-8")
    assert md.index("Top actions") < md.index("upgrade django") < md.index("Scanner health")
    assert html_text.index('id="actions"') < html_text.index('id="scanner-health"')
    assert html_text.index("upgrade django from 3.2.12 to 3.2.14") < html_text.index('id="scanner-health"')


def test_suppressed_and_pre_existing_findings_are_not_counted(tmp_path: Path) -> None:
    suppress = textwrap.dedent("""\
        [[tool.secscan.suppress]]
        rule = "GHSA-p64x-8rxx-wf6q"
        reason = "QuerySet.explain() is never called"
        """)
    root = tree(tmp_path, pyproject=suppress)
    code, rep = run(["deps", str(root), "--osv-db", str(OSV)], tmp_path / "out")
    actions = [(a["action"], a["severity"], len(a["clears"])) for a in rep["summary"]["actions"]]
    # only GHSA-2gwj (fixed in 3.2.13) still counts for django
    assert actions[0] == ("upgrade django from 3.2.12 to 3.2.13", "critical", 1)
    suppressed = next(f for f in rep["findings"] if f["suppressed"])
    assert suppressed["fingerprint"] not in {fp for a in rep["summary"]["actions"] for fp in a["clears"]}
    # a baseline of this result: every finding pre-existing, no action left
    base = tmp_path / "baseline.json"
    assert (
        main(
            [
                "baseline",
                "create",
                str(root),
                "--from-result",
                str(tmp_path / "out" / "secscan.json"),
                "--reason",
                "accepted",
                "--output",
                str(base),
            ]
        )
        == 0
    )
    code, rep = run(["deps", str(root), "--osv-db", str(OSV), "--baseline", str(base)], tmp_path / "out2")
    assert rep["summary"]["actions"] == [] and code == 0


def test_pypi_advisory_merged_across_pip_audit_osv_and_trivy(tmp_path: Path) -> None:
    root = tree(tmp_path, "requests==2.19.1\n")
    pip_audit = {
        "dependencies": [
            {
                "name": "requests",
                "version": "2.19.1",
                "vulns": [
                    {
                        "id": "PYSEC-2018-28",
                        "fix_versions": ["2.20.0"],
                        "aliases": ["CVE-2018-18074", "GHSA-x84v-xcm2-53pg"],
                        "description": "Requests before 2.20.0 sends an HTTP Authorization header...",
                    }
                ],
            }
        ],
        "fixes": [],
    }
    trivy = {
        "SchemaVersion": 2,
        "ArtifactName": ".",
        "ArtifactType": "repository",
        "Results": [
            {
                "Target": "requirements.txt",
                "Class": "lang-pkgs",
                "Type": "pip",
                "Vulnerabilities": [
                    {
                        "VulnerabilityID": "CVE-2018-18074",
                        "PkgName": "requests",
                        "InstalledVersion": "2.19.1",
                        "FixedVersion": "2.20.0",
                        "Severity": "HIGH",
                        "Title": "python-requests: Redirect from HTTPS to HTTP",
                    }
                ],
            }
        ],
    }
    (tmp_path / "pa.json").write_text(json.dumps(pip_audit), "utf-8")
    (tmp_path / "trivy.json").write_text(json.dumps(trivy), "utf-8")
    code, rep = run(
        [
            "deps",
            str(root),
            "--fail-on",
            "never",
            "--osv-db",
            str(OSV),
            "--import",
            f"pip-audit={tmp_path / 'pa.json'}",
            "--import",
            f"trivy={tmp_path / 'trivy.json'}",
        ],
        tmp_path / "out",
    )
    assert code == 0
    hits = [f for f in rep["findings"] if "CVE-2018-18074" in f["identifiers"]]
    assert len(hits) == 1, hits
    (f,) = hits
    assert set(f["sources"]) == {"osv-db", "pip-audit", "trivy"}
    assert {"PYSEC-2018-28", "GHSA-x84v-xcm2-53pg", "CVE-2018-18074"} <= set(f["identifiers"])
    assert f["severity"] == "high"  # rated by OSV/Trivy, not pip-audit's default
    assert f["remediation"] == "upgrade requests from 2.19.1 to 2.32.4"  # the package-wide upgrade wins
    assert len(rep["findings"]) == 4  # the other three requests advisories, once each


def _fake_pip_audit(fake_bin: Callable[[str, str], Path], tmp_path: Path, report_canary: bool) -> Path:
    """A fake pip-audit: requires the canary file with -r in the same invocation as secscan's private copy
    of requirements.txt (never the tree's own file), and reports pyyaml 5.3 and urllib3 1.24.1 (when
    report_canary) and requests 2.19.1 from what it was given."""
    log = tmp_path / "pip-audit-calls.jsonl"
    script = tmp_path / "fake_pip_audit.py"
    script.write_text(
        textwrap.dedent(f"""
        import json, sys
        from pathlib import Path
        args = sys.argv[1:]
        if args == ["--version"]:
            print("pip-audit 2.10.1"); sys.exit(0)
        Path({str(log)!r}).open("a").write(json.dumps(args) + "\\n")
        files = [args[i + 1] for i, a in enumerate(args) if a == "-r"]
        copy = [f for f in files if Path(f).read_text().startswith("# requirements read by secscan from ")]
        if not any(f.endswith("canary-requirements.txt") for f in files) or len(copy) != 1:
            print("missing -r files: " + repr(files), file=sys.stderr); sys.exit(2)
        lines = [ln.strip() for f in files for ln in Path(f).read_text().splitlines()]
        pins = [ln.split("==") for ln in lines if "==" in ln]
        deps = []
        for name, version in pins:
            vulns = []
            if (name.lower(), version) == ("pyyaml", "5.3") and {report_canary!r}:
                vulns = [{{"id": "PYSEC-2020-96", "fix_versions": ["5.3.1"], "aliases": ["CVE-2020-1747"]}}]
            if (name.lower(), version) == ("urllib3", "1.24.1") and {report_canary!r}:
                vulns = [{{"id": "PYSEC-2019-133", "fix_versions": ["1.24.2"],
                          "aliases": ["CVE-2019-11324"]}}]
            if (name.lower(), version) == ("requests", "2.19.1"):
                vulns = [{{"id": "PYSEC-2018-28", "fix_versions": ["2.20.0"], "aliases": ["CVE-2018-18074"]}}]
            deps.append({{"name": name, "version": version, "vulns": vulns}})
        print(json.dumps({{"dependencies": deps, "fixes": []}}))
        sys.exit(1 if any(d["vulns"] for d in deps) else 0)
        """),
        "utf-8",
    )
    fake_bin("pip-audit", f'exec "{sys.executable}" "{script}" "$@"\n')
    return log


def test_pip_audit_canary_same_invocation_detected_and_removed(
    fake_bin: Callable[[str, str], Path], tmp_path: Path
) -> None:
    root = tree(tmp_path, "requests==2.19.1\n")
    log = _fake_pip_audit(fake_bin, tmp_path, report_canary=True)
    code, rep = run(["deps", str(root), "--scanners", "pip-audit"], tmp_path / "out")
    s = scanner(rep, "pip-audit")
    assert s["status"] == "ok" and s["canary"] == "detected", s
    (argv,) = [json.loads(x) for x in log.read_text("utf-8").splitlines()]
    assert "--no-deps" in argv and argv.count("-r") == 2
    assert [f["package"]["name"] for f in rep["findings"]] == ["requests"]
    assert code == 0


def test_pip_audit_canary_missing_fails(fake_bin: Callable[[str, str], Path], tmp_path: Path) -> None:
    root = tree(tmp_path, "requests==2.19.1\n")
    _fake_pip_audit(fake_bin, tmp_path, report_canary=False)
    code, rep = run(["deps", str(root), "--scanners", "pip-audit"], tmp_path / "out")
    s = scanner(rep, "pip-audit")
    assert s["status"] == "failed" and "canary not detected" in s["reason"] and code == 3


def test_a_project_pinning_the_canary_package_keeps_its_finding(
    fake_bin: Callable[[str, str], Path], tmp_path: Path
) -> None:
    """The canary is then another candidate (urllib3 1.24.1): pyyaml 5.3 is the project's own finding."""
    root = tree(tmp_path, "requests==2.19.1\nPyYAML==5.3\n")
    log = _fake_pip_audit(fake_bin, tmp_path, report_canary=True)
    code, rep = run(["deps", str(root), "--scanners", "pip-audit"], tmp_path / "out")
    assert scanner(rep, "pip-audit")["canary"] == "detected" and code == 0
    assert {f["package"]["name"].lower() for f in rep["findings"]} == {"requests", "pyyaml"}
    (argv,) = [json.loads(x) for x in log.read_text("utf-8").splitlines()]
    assert argv.count("-r") == 2 and argv[-1].endswith("canary-requirements.txt")
    (process,) = scanner(rep, "pip-audit")["evidence"]["processes"]
    assert process["files"] == ["requirements.txt"] and process["canary"] == "urllib3==1.24.1"


def test_offline_canary_is_the_record_secscan_ships(tmp_path: Path) -> None:
    """Never a record of the folder (which the tree could supply, or which may lack it): the shipped one."""
    from secscan.analyzers.advisories.db_use import canary_manifest

    (name, content), key = canary_manifest("PyPI")
    assert name == "canary-requirements.txt" and content == "secscan-canary==0.0.0+secscan.canary\n"
    assert key == "secscan-canary==0.0.0+secscan.canary"
    (npm_name, npm_lock), npm_key = canary_manifest("npm")
    assert npm_name == "package-lock.json" and npm_key == "secscan-canary@0.0.0-secscan.canary"
    installed = json.loads(npm_lock)["packages"]["node_modules/secscan-canary"]
    assert installed == {"version": "0.0.0-secscan.canary"}
    # a folder holding a single record that has nothing to do with the canary: the canary is still found
    one = tmp_path / "one" / "PyPI"
    one.mkdir(parents=True)
    (one / "GHSA-5rjg-fvgr-3xxf.json").write_bytes((OSV / "PyPI" / "GHSA-5rjg-fvgr-3xxf.json").read_bytes())
    assert load_folder(tmp_path / "one").records == 1
    root = tree(tmp_path, "requests==2.32.4\n")  # nothing to report in the project itself
    code, rep = run(["deps", str(root), "--osv-db", str(tmp_path / "one")], tmp_path / "out")
    s = scanner(rep, "pip-audit")
    assert s["status"] == "ok" and s["canary"] == "detected" and rep["findings"] == [] and code == 0


def test_offline_blind_audit_misses_the_canary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from secscan.analyzers.advisories import python_deps
    from secscan.core.model import Parsed, Status

    monkeypatch.setattr(python_deps, "audit_python", lambda *a, **k: Parsed("pip-audit", (), Status.OK))
    root = tree(tmp_path)
    code, rep = run(["deps", str(root), "--osv-db", str(OSV)], tmp_path / "out")
    s = scanner(rep, "pip-audit")
    assert s["status"] == "failed" and "canary not detected" in s["reason"] and code == 3
