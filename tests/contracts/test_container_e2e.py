"""Trivy through the CLI with a fake `trivy` that checks its arguments and prints recorded reports:
`secscan container`, `secscan all --image`, --offline, --no-containers, failures, and the fs canary."""

from __future__ import annotations

import html
import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import scanner

from secscan.cli.main import main
from secscan.formats.json_report import validate

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples"
ALPINE = SAMPLES / "trivy" / "trivyrepo__alpine-310.json.golden"
SECRETS = SAMPLES / "trivy" / "trivyrepo__secrets.json.golden"
LAYER = "sha256:03901b4a2ea88eeaad62dbe59b072b28b6efa00491962b8741081c5df50c65e0"

CHECKER = r"""
import json, os, sys
from pathlib import Path
args = sys.argv[1:]
log, report, canary_rule = Path(os.environ["FAKE_TRIVY_LOG"]), os.environ["FAKE_TRIVY_REPORT"], \
    os.environ.get("FAKE_TRIVY_CANARY_RULE", "aws-access-key-id")
if args == ["--version"]:
    print("Version: 0.58.1"); sys.exit(0)
with log.open("a") as fh:
    fh.write(json.dumps(args) + "\n")
def need(flag, value=None):
    if flag not in args or (value is not None and args[args.index(flag) + 1] != value):
        print(f"FATAL missing {flag} {value or ''}", file=sys.stderr); sys.exit(90)
need("--format", "json")
need("--quiet")
need("--timeout")
if os.environ.get("FAKE_TRIVY_OFFLINE") == "1":
    need("--offline-scan"); need("--skip-db-update")
elif "--offline-scan" in args or "--skip-db-update" in args:
    print("FATAL offline flags without --offline", file=sys.stderr); sys.exit(91)
if args[0] == "image":
    name = args[-1]
    if args[-2] != "--":
        print("FATAL image name not after --", file=sys.stderr); sys.exit(92)
    if name.startswith("nosuch"):
        print(f"FATAL unable to find the specified image \"{name}\"", file=sys.stderr); sys.exit(1)
    data = json.loads(Path(report).read_text())
    data["ArtifactName"] = name
    print(json.dumps(data)); sys.exit(0)
if args[0] == "fs":
    need("--scanners")
    if "secret" not in args[args.index("--scanners") + 1].split(","):
        print("FATAL secret scanner off", file=sys.stderr); sys.exit(93)
    root = Path(args[-1])
    data = json.loads(Path(report).read_text())
    found = sorted(root.rglob("canary_trivy_credentials.ini"))
    for path in found if canary_rule else []:
        data["Results"].append({"Target": str(path.relative_to(root)), "Class": "secret", "Secrets": [
            {"RuleID": canary_rule, "Category": "AWS", "Severity": "CRITICAL", "Title": "AWS Access Key ID",
             "StartLine": 2, "EndLine": 2, "Match": "aws_access_key_id = ********************"}]})
    print(json.dumps(data)); sys.exit(0)
print("FATAL unknown mode", file=sys.stderr); sys.exit(94)
"""


@pytest.fixture
def fake_trivy(
    fake_bin: Callable[[str, str], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Path]:
    """Install the fake trivy; returns a function (report, offline=False, canary_rule=...) -> argv log."""
    checker = tmp_path / "fake_trivy.py"
    checker.write_text(CHECKER, "utf-8")
    fake_bin("trivy", f'exec "{sys.executable}" "{checker}" "$@"\n')
    log = tmp_path / "trivy-calls.jsonl"

    def setup(report: Path, offline: bool = False, canary_rule: str = "aws-access-key-id") -> Path:
        if not report.is_file():
            pytest.skip("[shared] ../shared/samples not present")
        monkeypatch.setenv("FAKE_TRIVY_LOG", str(log))
        monkeypatch.setenv("FAKE_TRIVY_REPORT", str(report))
        monkeypatch.setenv("FAKE_TRIVY_OFFLINE", "1" if offline else "0")
        monkeypatch.setenv("FAKE_TRIVY_CANARY_RULE", canary_rule)
        return log

    return setup


def run(args: list[str], out: Path, formats: str = "json") -> tuple[int, dict]:
    code = main([*args, "--output-dir", str(out), "--no-cache", "--quiet", "--format", formats])
    report = json.loads((out / "secscan.json").read_text("utf-8"))
    validate(report)
    return code, report


def calls(log: Path) -> list[list[str]]:
    return [json.loads(line) for line in log.read_text("utf-8").splitlines()] if log.exists() else []


@pytest.mark.parametrize("offline", [False, True])
def test_container_command_scans_each_image(
    fake_trivy: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, offline: bool
) -> None:
    log = fake_trivy(ALPINE, offline=offline)
    monkeypatch.chdir(tmp_path)
    code, rep = run(
        ["container", "alpine:3.10", "registry.local/app:1", *(["--offline"] if offline else [])],
        tmp_path / "out",
    )
    s = scanner(rep, "trivy-image")
    assert (
        s["status"] == "ok"
        and s["coverage"]["images"] == 2
        and s["evidence"]["images"] == ["alpine:3.10", "registry.local/app:1"]
    )
    argvs = calls(log)
    assert [a[0] for a in argvs] == ["image", "image"] and [a[-1] for a in argvs] == [
        "alpine:3.10",
        "registry.local/app:1",
    ]
    assert len(rep["findings"]) == 8  # 4 per image, one image's packages never merge with the other's
    for f in rep["findings"]:
        assert f["category"] == "container" and f["sources"] == ["trivy"]
        assert f["location"]["image"] in ("alpine:3.10", "registry.local/app:1")
        assert f["location"]["layer"] == LAYER
        assert f["remediation"] and f["location"]["image"] in f["remediation"]
    assert code == 0  # mediums only; the default gate is critical


def test_all_with_image_option(fake_trivy: Callable[..., Path], tmp_path: Path) -> None:
    log = fake_trivy(ALPINE)
    root = tmp_path / "proj"
    root.mkdir()
    (root / "app.py").write_text("print('hi')\n", "utf-8")
    code, rep = run(
        ["all", str(root), "--image", "alpine:3.10", "--scanners", "trivy-image", "--fail-on", "medium"],
        tmp_path / "out",
    )
    assert scanner(rep, "trivy-image")["status"] == "ok" and code == 1
    assert calls(log)[0][:1] == ["image"] and calls(log)[0][-1] == "alpine:3.10"
    assert {f["location"]["image"] for f in rep["findings"]} == {"alpine:3.10"}


def test_missing_trivy_with_image_is_incomplete(
    fake_bin: Callable[[str, str], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(fake_bin("placeholder", "exit 0").parent))
    monkeypatch.chdir(tmp_path)
    code, rep = run(["container", "alpine:3.10"], tmp_path / "out")
    s = scanner(rep, "trivy-image")
    assert s["status"] == "failed" and "trivy not found" in s["reason"] and s["required"] and s["incomplete"]
    assert code == 3 and any("trivy-image" in r for r in rep["summary"]["gate"]["reasons"])


def test_image_asked_for_is_scanned_whatever_scanners_says(
    fake_bin: Callable[[str, str], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "app.py").write_text("print(1)\n", "utf-8")
    monkeypatch.setenv("PATH", str(fake_bin("placeholder", "exit 0").parent))
    args = ["all", str(root), "--image", "alpine:3.10", "--scanners", "secscan-secrets"]
    code, rep = run(args, tmp_path / "o")
    s = scanner(rep, "trivy-image")
    assert s["status"] == "failed" and "trivy not found" in s["reason"] and s["required"] and code == 3


def test_image_with_a_shard_runs_in_shard_one_only(fake_trivy: Callable[..., Path], tmp_path: Path) -> None:
    fake_trivy(ALPINE)
    root = tmp_path / "proj"
    root.mkdir()
    (root / "app.py").write_text("print(1)\n", "utf-8")
    args = ["all", str(root), "--image", "alpine:3.10", "--scanners", "secscan-secrets", "--fail-on", "never"]
    code1, one = run([*args, "--shard", "1/2"], tmp_path / "s1")
    code2, two = run([*args, "--shard", "2/2"], tmp_path / "s2")
    assert scanner(one, "trivy-image")["status"] == "ok" and code1 == 0
    s = scanner(two, "trivy-image")
    assert s["status"] == "skipped" and "shard 1/2" in s["reason"] and not s["incomplete"] and code2 == 0
    out = tmp_path / "m"
    code = main(["merge", str(tmp_path / "s1" / "secscan.json"), str(tmp_path / "s2" / "secscan.json"),
                 "--fail-on", "never", "--output-dir", str(out), "--quiet", "--format", "json"])
    merged = json.loads((out / "secscan.json").read_text("utf-8"))
    assert scanner(merged, "trivy-image")["status"] == "ok" and code == 0


def test_unknown_image_is_incomplete_with_the_reason(
    fake_trivy: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_trivy(ALPINE)
    monkeypatch.chdir(tmp_path)
    code, rep = run(["container", "alpine:3.10", "nosuch:latest"], tmp_path / "out")
    s = scanner(rep, "trivy-image")
    assert s["status"] == "failed" and s["reason"].startswith("nosuch:latest: trivy exited 1")
    assert "unable to find the specified image" in s["reason"]
    assert code == 3 and len(rep["findings"]) == 4  # the image that could be scanned is still reported


def test_trivy_error_output_is_incomplete(
    fake_bin: Callable[[str, str], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_bin("trivy", 'case "$1" in --version) echo "Version: 0.58.1"; exit 0;; esac\necho "{not json"\n')
    monkeypatch.chdir(tmp_path)
    code, rep = run(["container", "alpine:3.10"], tmp_path / "out")
    s = scanner(rep, "trivy-image")
    assert s["status"] == "failed" and "unreadable output" in s["reason"] and code == 3


def test_image_timeout(
    fake_bin: Callable[[str, str], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_bin("trivy", 'case "$1" in --version) echo "Version: 0.58.1"; exit 0;; esac\nsleep 30\n')
    monkeypatch.chdir(tmp_path)
    code, rep = run(["container", "alpine:3.10", "--timeout", "1"], tmp_path / "out")
    s = scanner(rep, "trivy-image")
    assert s["status"] == "timeout" and "alpine:3.10" in s["reason"] and code == 3


def test_no_containers_skips_image_scanning_and_says_so(
    fake_trivy: Callable[..., Path], tmp_path: Path
) -> None:
    log = fake_trivy(ALPINE)
    root = tmp_path / "proj"
    root.mkdir()
    (root / "app.py").write_text("print('hi')\n", "utf-8")
    code, rep = run(
        ["all", str(root), "--image", "alpine:3.10", "--no-containers", "--scanners", "trivy-image"],
        tmp_path / "out",
    )
    s = scanner(rep, "trivy-image")
    assert s["status"] == "skipped" and "--no-containers" in s["reason"]
    assert calls(log) == []
    assert code == 0 and not s["incomplete"], rep["summary"]["gate"]


def test_fs_scan_arguments_and_canary(fake_trivy: Callable[..., Path], tmp_path: Path) -> None:
    log = fake_trivy(SECRETS)
    root = tmp_path / "proj"
    root.mkdir()
    (root / "deploy.sh").write_text("echo deploy\n", "utf-8")
    code, rep = run(["all", str(root), "--scanners", "trivy"], tmp_path / "out")
    s = scanner(rep, "trivy")
    assert s["status"] == "ok" and s["canary"] == "detected", s
    (argv,) = calls(log)
    assert argv[0] == "fs" and argv[-1] == str(root.resolve())
    # the recorded secrets sample (deploy.sh: aws-access-key-id, mysecret); the canary never shows
    assert {f["rule_id"] for f in rep["findings"]} == {"trivy.aws-access-key-id", "trivy.mysecret"}
    assert all(f["location"]["path"] == "deploy.sh" for f in rep["findings"])
    assert all(f["remediation"] for f in rep["findings"])
    assert code == 1  # CRITICAL aws key


def test_fs_scan_is_cached_until_a_file_changes(fake_trivy: Callable[..., Path], tmp_path: Path) -> None:
    log = fake_trivy(SECRETS)
    root = tmp_path / "proj"
    root.mkdir()
    (root / "deploy.sh").write_text("echo deploy\n", "utf-8")
    cache = tmp_path / "cache"

    def cached(n: int) -> dict:
        code = main(["all", str(root), "--scanners", "trivy", "--cache-dir", str(cache), "--quiet",
                     "--output-dir", str(tmp_path / f"c{n}"), "--format", "json", "--fail-on", "never"])
        assert code == 0
        report: dict = json.loads((tmp_path / f"c{n}" / "secscan.json").read_text("utf-8"))
        return report

    first, second = cached(1), cached(2)
    assert len(calls(log)) == 1  # nothing changed: no trivy process
    assert scanner(second, "trivy")["coverage"].get("from_cache") == 1
    assert {f["fingerprint"] for f in second["findings"]} == {f["fingerprint"] for f in first["findings"]}
    (root / "deploy.sh").write_text("echo deploy again\n", "utf-8")
    cached(3)
    assert len(calls(log)) == 2  # a file changed: trivy runs again
    cached(4)
    assert len(calls(log)) == 2
    (root / "node_modules" / "pkg").mkdir(parents=True)  # secscan does not walk it; trivy reads it
    (root / "node_modules" / "pkg" / ".env").write_text("AWS_KEY=x\n", "utf-8")
    cached(5)
    assert len(calls(log)) == 3


def test_fs_scan_that_misses_the_canary_fails(fake_trivy: Callable[..., Path], tmp_path: Path) -> None:
    fake_trivy(SECRETS, canary_rule="")
    root = tmp_path / "proj"
    root.mkdir()
    code, rep = run(["all", str(root), "--scanners", "trivy", "--fail-on", "never"], tmp_path / "out")
    s = scanner(rep, "trivy")
    assert s["status"] == "failed" and "canary not detected" in s["reason"] and code == 3


def test_secrets_sample_rule_naming_matches_the_canary_key() -> None:
    if not SECRETS.is_file():
        pytest.skip("[shared] ../shared/samples not present")
    from secscan.parsers.trivy import parse
    from secscan.scanners.trivy import TrivyFsScanner

    found = parse(SECRETS.read_bytes(), str(SECRETS)).findings
    keys = [TrivyFsScanner().canary_keys(f) for f in found]
    assert {"aws-access-key-id"} in keys and set() in keys  # mysecret is not the canary rule


def test_remediation_in_every_format(
    fake_trivy: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_trivy(ALPINE)
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    run(["container", "alpine:3.10"], out, formats="json,md,html,sarif,gitlab")
    rep = json.loads((out / "secscan.json").read_text("utf-8"))
    texts = {f["remediation"] for f in rep["findings"]}
    assert texts and all(t.startswith("upgrade lib") for t in texts)
    md = (out / "secscan.md").read_text("utf-8")
    html_text = html.unescape((out / "secscan.html").read_text("utf-8"))
    sarif = json.loads((out / "secscan.sarif").read_text("utf-8"))
    gitlab = json.loads((out / "gl-dependency-scanning-report.json").read_text("utf-8"))
    sarif_texts = json.dumps(sarif)
    for t in texts:
        assert t in md, t
        assert t in html_text, t
        assert json.dumps(t)[1:-1] in sarif_texts, t
    assert {v["solution"] for v in gitlab["vulnerabilities"]} == texts
    actions = rep["summary"]["actions"]
    assert actions and all(a["action"] in md and a["action"] in html_text for a in actions)
