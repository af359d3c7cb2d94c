"""`--format gitlab` end to end (issue 13): the three GitLab security reports from a real scan, their 15.x
structure, a failed scan reads `failure`, and `secscan import gitlab` reads back both secscan's reports and
the real ones GitLab's own analyzers wrote (../shared/samples/gitlab)."""

from __future__ import annotations

import json
import random
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from shared_samples import or_skip
from token_checksums import crc_token

from secscan.cli.main import main
from secscan.formats.json_report import validate

ROOT = Path(__file__).resolve().parents[2]
OSV = ROOT / "tests" / "fixtures" / "osv"
SAMPLES = ROOT.parent / "shared" / "samples" / "gitlab"
TOKEN = crc_token("ghp_", random.Random(23))  # with its CRC32 checksum
SHELL = "import subprocess\n\n\ndef run(cmd):\n    subprocess.call(cmd, shell=True)\n"
REPORTS = {"sast": "gl-sast-report.json", "dependency_scanning": "gl-dependency-scanning-report.json",
           "secret_detection": "gl-secret-detection-report.json"}
TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")
SEVERITIES = {"Info", "Unknown", "Low", "Medium", "High", "Critical"}
SCANNERS = "bandit,secscan-secrets,pip-audit"


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("gl") / "proj"
    root.mkdir()
    (root / "app.py").write_text(SHELL, "utf-8")
    (root / "settings.py").write_text(f'token = "{TOKEN}"\n', "utf-8")
    (root / "requirements.txt").write_text("requests==2.19.1\n", "utf-8")
    return root


@pytest.fixture(scope="module")
def scanned(tree: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[int, Path]:
    out = tmp_path_factory.mktemp("gl-out")
    code = main(["all", str(tree), "--scanners", SCANNERS, "--osv-db", str(OSV), "--no-cache", "--quiet",
                 "--format", "json,gitlab", "--output-dir", str(out)])
    return code, out


def load(out: Path, kind: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / REPORTS[kind]).read_text("utf-8"))
    return data


def check_structure(report: dict[str, Any], kind: str) -> None:
    """The required parts of GitLab's security report schema 15.0.x for this report type."""
    assert re.fullmatch(r"15\.\d+\.\d+", report["version"])
    scan = report["scan"]
    for key in ("analyzer", "scanner"):
        assert {"id", "name", "version", "vendor"} <= set(scan[key]) and scan[key]["vendor"]["name"]
    assert scan["type"] == kind and scan["status"] in ("success", "failure")
    assert TIME.match(scan["start_time"]) and TIME.match(scan["end_time"])
    assert scan["start_time"] <= scan["end_time"]
    for m in scan.get("messages", []):
        assert m["level"] in ("info", "warn", "fatal") and m["value"]
    ids = [v["id"] for v in report["vulnerabilities"]]
    assert len(ids) == len(set(ids))
    for v in report["vulnerabilities"]:
        uuid.UUID(v["id"])
        assert v["name"] and v["description"] and v["severity"] in SEVERITIES
        for key in ("cve", "scanner", "category", "confidence"):  # removed in 15.x
            assert key not in v
        assert v["identifiers"] and all({"type", "name", "value"} <= set(i) for i in v["identifiers"])
        loc = v["location"]
        if kind == "dependency_scanning":
            assert loc["file"] and isinstance(loc["dependency"]["package"], dict)
        elif kind == "secret_detection":
            assert loc["commit"]["sha"] and loc["file"]
    if kind == "dependency_scanning":
        for df in report["dependency_files"]:
            assert df["path"] and df["package_manager"] and isinstance(df["dependencies"], list)


@pytest.mark.slow
def test_three_reports_from_a_real_scan(scanned: tuple[int, Path]) -> None:
    code, out = scanned
    assert code == 1  # the GitHub token is critical
    for kind in REPORTS:
        report = load(out, kind)
        check_structure(report, kind)
        assert report["scan"]["status"] == "success" and report["vulnerabilities"], kind
    sast = load(out, "sast")["vulnerabilities"]
    shell = next(v for v in sast if any(i["value"] == "B602" for i in v["identifiers"]))
    assert shell["severity"] == "High"
    assert shell["location"] == {"file": "app.py", "start_line": 5, "end_line": 5}
    assert {"type": "cwe", "name": "CWE-78", "value": "78",
            "url": "https://cwe.mitre.org/data/definitions/78.html"} in shell["identifiers"]
    deps = load(out, "dependency_scanning")
    for v in deps["vulnerabilities"]:
        assert v["location"] == {"file": "requirements.txt",
                                 "dependency": {"package": {"name": "requests"}, "version": "2.19.1"}}
    assert any(i["type"] == "cve" for v in deps["vulnerabilities"] for i in v["identifiers"])
    requests = {"package": {"name": "requests"}, "version": "2.19.1"}
    assert deps["dependency_files"] == [{"path": "requirements.txt", "package_manager": "pip",
                                         "dependencies": [requests]}]
    secrets = load(out, "secret_detection")["vulnerabilities"]
    assert [v["location"]["file"] for v in secrets] == ["settings.py"]
    assert secrets[0]["severity"] == "Critical"
    for name in REPORTS.values():
        text = (out / name).read_text("utf-8")
        assert TOKEN not in text and TOKEN[4:20] not in text, name
    assert "raw_source_code_extract" not in json.dumps(secrets)


@pytest.mark.slow
def test_ids_are_stable_across_runs(tree: Path, scanned: tuple[int, Path], tmp_path: Path) -> None:
    _, first = scanned
    main(["all", str(tree), "--scanners", SCANNERS, "--osv-db", str(OSV), "--no-cache", "--quiet",
          "--format", "gitlab", "--output-dir", str(tmp_path)])
    for kind in REPORTS:
        before = [v["id"] for v in load(first, kind)["vulnerabilities"]]
        after = [v["id"] for v in load(tmp_path, kind)["vulnerabilities"]]
        assert before == after, kind


def test_incomplete_scan_says_failure(tree: Path, tmp_path: Path,
                                      fake_bin: Callable[[str, str], Path]) -> None:
    fake_bin("bandit", 'case "$1" in --version) echo "bandit 9.9.9"; exit 0;; esac\necho boom >&2; exit 2\n')
    code = main(["all", str(tree), "--scanners", "bandit,pip-audit", "--osv-db", str(OSV), "--no-cache",
                 "--quiet", "--format", "json,gitlab", "--output-dir", str(tmp_path)])
    assert code == 3
    sast = load(tmp_path, "sast")
    check_structure(sast, "sast")
    assert sast["scan"]["status"] == "failure"
    fatal = [m["value"] for m in sast["scan"]["messages"] if m["level"] == "fatal"]
    assert any(m.startswith("bandit failed") for m in fatal), fatal
    deps = load(tmp_path, "dependency_scanning")
    check_structure(deps, "dependency_scanning")
    assert deps["scan"]["status"] == "failure"  # the scan as a whole is incomplete
    assert deps["vulnerabilities"]  # what did run is still reported


@pytest.mark.slow
def test_secscan_reads_back_its_own_gitlab_reports(scanned: tuple[int, Path], tmp_path: Path) -> None:
    _, out = scanned
    original = json.loads((out / "secscan.json").read_text("utf-8"))
    files = [str(out / name) for name in REPORTS.values()]
    code = main(["import", "gitlab", *files, "--quiet", "--output-dir", str(tmp_path), "--format", "json"])
    back = json.loads((tmp_path / "secscan.json").read_text("utf-8"))
    validate(back)
    assert code == 1

    def key(f: dict[str, Any]) -> tuple[str, str, str, int | None]:
        loc = f["location"] or {}
        line = None if f["category"] == "dependency" else loc.get("start_line")  # GitLab has no line there
        return (f["category"], f["severity"], loc.get("path") or "", line)

    assert sorted(map(key, back["findings"])) == sorted(map(key, original["findings"]))
    assert {s["name"] for s in back["scanners"]} == {"gitlab"} or all(
        s["name"].startswith("gitlab") for s in back["scanners"])
    dep = next(f for f in back["findings"] if f["category"] == "dependency")
    assert (dep["package"]["name"], dep["package"]["version"], dep["package"]["manifest"]) == (
        "requests", "2.19.1", "requirements.txt")
    assert TOKEN not in (tmp_path / "secscan.json").read_text("utf-8")


@pytest.mark.parametrize("name", or_skip(sorted(p.name for p in SAMPLES.glob("*.json")), "GitLab samples"))
def test_import_real_gitlab_samples(name: str, tmp_path: Path) -> None:
    sample = json.loads((SAMPLES / name).read_text("utf-8"))
    code = main(["import", "gitlab", str(SAMPLES / name), "--quiet", "--output-dir", str(tmp_path),
                 "--format", "json,gitlab", "--fail-on", "never"])
    report = json.loads((tmp_path / "secscan.json").read_text("utf-8"))
    validate(report)
    assert code == 0, report["summary"]["gate"]
    assert (len(report["findings"]) > 0) == (len(sample["vulnerabilities"]) > 0)
    assert len(report["findings"]) <= len(sample["vulnerabilities"])
    for kind in REPORTS:  # and they come out again as 15.x reports
        check_structure(load(tmp_path, kind), kind)
    names = {v.get("name") or v.get("message") for v in sample["vulnerabilities"]}
    assert {f["title"] for f in report["findings"]} <= names


def test_samples_are_present() -> None:
    if not SAMPLES.is_dir():
        pytest.skip("[shared] ../shared/samples/gitlab not present beside the project")
    assert len(list(SAMPLES.glob("*.json"))) >= 10
