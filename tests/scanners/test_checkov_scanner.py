"""checkov end to end: the real tool (offline, in a network namespace without interfaces) on a tree the test
writes, its canary, the tree's own .checkov.yaml ignored; every failure mode with a fake executable."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import scanner

from secscan.cli.main import main
from secscan.formats.json_report import validate
from secscan.process.runner import Runner
from secscan.scanners.checkov import CHECKOV
from secscan.scanners.iac_files import classify
from secscan.scanners.managed import ensure

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "checkov"

DOCKERFILE_ROOT = 'FROM python:3.12-slim\nCOPY app.py /app/app.py\nCMD ["python", "/app/app.py"]\n'
PRIVILEGED_POD = """apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
spec:
  containers:
    - name: web
      image: nginx:1.27
      securityContext:
        privileged: true
"""
WORKFLOW = """name: ci
on:
  pull_request_target:
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - uses: someone/action@main
      - run: echo "${{ github.event.pull_request.title }}"
"""
BROKEN_MANIFEST = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: [broken\nspec: {\n"
# A tree's own checkov settings: would hide the privileged pod and load Python checks from the tree.
TREE_CHECKOV_YAML = "skip-check:\n  - CKV_K8S_16\nexternal-checks-dir:\n  - evil_checks\n"


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, "utf-8")
    return root


def run(args: list[str], out: Path) -> tuple[int, dict]:
    code = main([*args, "--output-dir", str(out), "--no-cache", "--quiet"])
    report = json.loads((out / "secscan.json").read_text("utf-8"))
    validate(report)
    return code, report


@pytest.mark.slow
def test_real_checkov_offline_on_planted_tree(tmp_path: Path, fake_bin: Callable[[str, str], Path]) -> None:
    assert ensure(CHECKOV, Runner()) is None  # installs the pinned checkov on first use
    real = Runner().which("checkov")
    assert real is not None
    if subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode != 0:
        pytest.fail("unshare -n is needed to prove checkov runs without a network (root on Linux)")
    # the real checkov, started in a network namespace with no interface: it must finish, not hang
    fake_bin("checkov", f'exec unshare -n "{real}" "$@"\n')
    tree = write(tmp_path / "tree", {
        "Dockerfile": DOCKERFILE_ROOT, "app.py": "print('hi')\n", "k8s/pod.yaml": PRIVILEGED_POD,
        ".github/workflows/ci.yml": WORKFLOW, "k8s/broken.yaml": BROKEN_MANIFEST,
        ".checkov.yaml": TREE_CHECKOV_YAML, "evil_checks/__init__.py": "raise SystemExit('tree code ran')\n",
        "docker-compose.yml": "services:\n  web:\n    image: nginx\n",
    })
    code, rep = run(["all", str(tree), "--scanners", "checkov", "--timeout", "300"], tmp_path / "out")
    s = scanner(rep, "checkov")
    assert s["canary"] == "detected" and s["version"] == "3.3.30"
    # the broken manifest checkov silently drops is a coverage gap, named
    assert s["status"] == "partial" and "k8s/broken.yaml" in s["reason"], s
    assert code == 1  # the critical finding fails the gate (exit 1 takes precedence over incomplete)
    places = {(f["rule_id"], f["location"]["path"]): f for f in rep["findings"]}
    assert places[("CKV_K8S_16", "k8s/pod.yaml")]["severity"] == "critical"  # not hidden by .checkov.yaml
    assert places[("CKV_K8S_16", "k8s/pod.yaml")]["category"] == "iac"
    assert ("CKV_DOCKER_3", "Dockerfile") in places  # no USER: runs as root
    assert places[("CKV_GHA_2", ".github/workflows/ci.yml")]["location"]["start_line"] == 12
    assert not any("canary" in f["location"]["path"] for f in rep["findings"])
    ev = s["evidence"]
    assert ev["ignored_tree_config"] == [".checkov.yaml"] and ev["unparsed_files"] == ["k8s/broken.yaml"]
    assert list(ev["not_covered"].values()) == [["docker-compose.yml"]]
    assert s["coverage"]["files"] == 4 and s["executable"].endswith("fake-bin/checkov")


def fake_checkov(fake_bin: Callable[[str, str], Path], body: str) -> None:
    fake_bin("checkov", 'if [ "$1" = "--version" ]; then echo 3.3.30; exit 0; fi\n' + body)


@pytest.mark.parametrize(("body", "status", "reason"), [
    ("echo 'Traceback (most recent call last): boom' >&2; exit 2", "failed", "checkov exited 2: Traceback"),
    ("echo '<html>502 Bad Gateway</html>'; exit 1", "failed", "unreadable output"),
    ("exit 0", "failed", "checkov exited 0: no output"),
    (f"cat '{FIXTURES / 'nothing_scanned.json'}'; exit 0", "failed", "canary not detected"),
    ("sleep 60", "timeout", "timed out after 3s"),
])
def test_failure_modes_with_a_fake_checkov(tmp_path: Path, fake_bin: Callable[[str, str], Path], body: str,
                                           status: str, reason: str) -> None:
    fake_checkov(fake_bin, body)
    tree = write(tmp_path / "tree", {"Dockerfile": DOCKERFILE_ROOT})
    code, rep = run(["all", str(tree), "--scanners", "checkov", "--timeout", "3"], tmp_path / "out")
    s = scanner(rep, "checkov")
    assert code == 3 and s["status"] == status and reason in s["reason"], s
    assert rep["findings"] == []


def test_fake_checkov_sees_no_credentials_and_runs_outside_the_tree(
        tmp_path: Path, fake_bin: Callable[[str, str], Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BC_API_KEY", "not-a-real-key-" + "x" * 8)
    record = tmp_path / "seen.txt"
    fake_checkov(fake_bin, f'{{ pwd; env; echo "ARGS $*"; }} > "{record}"; exit 2\n')
    tree = write(tmp_path / "tree", {"Dockerfile": DOCKERFILE_ROOT, ".checkov.yaml": TREE_CHECKOV_YAML})
    run(["all", str(tree), "--scanners", "checkov"], tmp_path / "out")
    seen = record.read_text("utf-8")
    assert "BC_API_KEY" not in seen and "BC_SKIP_MAPPING=TRUE" in seen
    assert "CKV_SKIP_PACKAGE_UPDATE_CHECK=true" in seen
    cwd = seen.splitlines()[0]
    assert not cwd.startswith(str(tree)) and f"HOME={cwd}" in seen
    args = next(line for line in seen.splitlines() if line.startswith("ARGS "))
    assert "--skip-download" in args and "-d " not in args and f"{tree}/Dockerfile" in args


def test_not_applicable_without_iac_files(tmp_path: Path, fake_bin: Callable[[str, str], Path]) -> None:
    fake_checkov(fake_bin, "exit 2")
    tree = write(tmp_path / "tree", {"app.py": "print('hi')\n"})
    _code, rep = run(["all", str(tree), "--scanners", "checkov"], tmp_path / "out")
    s = scanner(rep, "checkov")
    assert s["status"] == "skipped" and "no infrastructure-as-code files" in s["reason"]


def test_classify(tmp_path: Path) -> None:
    tree = write(tmp_path, {
        "Dockerfile": "FROM scratch\n", "docker/api.Dockerfile": "FROM scratch\n",
        "Containerfile": "FROM x\n",
        "k8s/pod.yaml": PRIVILEGED_POD, "k8s/values.yaml": "replicas: 2\n", "main.tf": "",
        ".github/workflows/ci.yml": WORKFLOW, ".gitlab-ci.yml": "test:\n  script: [echo]\n",
        "cfn/stack.yaml": "AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n",
        "compose.yaml": "services: {}\n", "chart/Chart.yaml": "name: c\n",
        "chart/templates/pod.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Values.n }}\n",
    })
    files = sorted(str(p.relative_to(tree)) for p in tree.rglob("*") if p.is_file())
    found = classify(tree, files)
    assert found.by_framework == {
        "github_actions": [".github/workflows/ci.yml"], "gitlab_ci": [".gitlab-ci.yml"],
        "dockerfile": ["Containerfile", "Dockerfile", "docker/api.Dockerfile"],
        "cloudformation": ["cfn/stack.yaml"], "kubernetes": ["k8s/pod.yaml"], "terraform": ["main.tf"],
    }
    assert found.helm_charts == ["chart"]
    assert list(found.not_covered.values()) == [["compose.yaml"]]


def test_install_failure_is_a_reason(tmp_path: Path) -> None:
    """A managed tool that cannot be installed (no index here) says why; nothing is left half-installed."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "SECSCAN_TOOLS_HOME": str(tmp_path / "tools"),
           "PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(tmp_path)}
    runner = Runner(env=env, tool_dirs=[])
    from secscan.scanners.interface import Tool

    tool = Tool("secscan-no-such-tool", managed="secscan-no-such-tool==0.0.1")
    problem = ensure(tool, runner, timeout=120)
    assert problem is not None and "installing secscan-no-such-tool==0.0.1" in problem and "failed" in problem
    assert not (tmp_path / "tools" / "bin" / "secscan-no-such-tool").exists()
    assert shutil.which("secscan-no-such-tool", path=str(tmp_path / "tools" / "bin")) is None


@pytest.mark.slow
def test_doctor_shows_checkov_with_its_canary(tmp_path: Path) -> None:
    from secscan.run.doctor import diagnose

    report = diagnose(tmp_path, offline=True, scanners=["checkov"])
    (row,) = report.rows
    assert row.scanner == "checkov" and row.status == "ok" and row.canary == "detected" and row.trustworthy
    assert row.version == "3.3.30" and row.found is not None and row.found.endswith("checkov")
