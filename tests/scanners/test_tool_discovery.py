"""Tools installed beside secscan are found without PATH, the one used is reported, and a run where a tool
could not run never passes: a tool that ships with secscan is failed with the reinstall hint, an optional
external tool is skipped with an install hint (failed when the run requires it)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import sysconfig
from pathlib import Path

import jsonschema
import pytest

from secscan.core.model import Gate, Result, ScannerResult, Status
from secscan.core.serialize import scanner_from_dict, scanner_to_dict, to_dict
from secscan.formats.markdown import render_markdown
from secscan.formats.summary import health_table
from secscan.process.runner import Invocation, Runner, environment_dirs
from secscan.run.doctor import diagnose
from secscan.run.execute import execute
from secscan.scanners import registry
from secscan.scanners.interface import ScanContext

BUNDLED = ("bandit", "semgrep", "detect-secrets", "pip-audit")
BARE_PATH = "/usr/bin:/bin"  # the system folders only: not secscan's environment
TREE = "import pickle\ndef load(b):\n    return pickle.loads(b)\nprint(eval(input()))\n"
SCHEMA = Path(__file__).resolve().parents[2] / "secscan" / "formats" / "schema" / "secscan-report.schema.json"


def beside_secscan(name: str) -> Path:
    """The tool as installed in secscan's own environment (skip when this install has it elsewhere)."""
    for folder in environment_dirs():
        if (folder / name).is_file():
            return folder / name
    where = ", ".join(map(str, environment_dirs()))
    pytest.skip(f"{name} is not installed beside this interpreter (in {where})")


def executable(folder: Path, name: str, body: str = "exit 0") -> Path:
    path = folder / name
    path.write_text(f"#!/bin/sh\n{body}\n", "utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


# ------------------------------------------------------------------ the lookup


def test_lookup_order_own_environment_then_path(tmp_path: Path) -> None:
    own, on_path, empty = tmp_path / "own", tmp_path / "path", tmp_path / "empty"
    for folder in (own, on_path, empty):
        folder.mkdir()
    executable(on_path, "tool")
    assert Runner(env={"PATH": str(on_path)}, tool_dirs=[own]).which("tool") == str(on_path / "tool")
    executable(own, "tool")
    assert Runner(env={"PATH": str(on_path)}, tool_dirs=[own]).which("tool") == str(own / "tool")
    assert Runner(env={"PATH": str(empty)}, tool_dirs=[empty]).which("tool") is None
    assert Runner(env={"PATH": str(empty)}, tool_dirs=[]).which(str(own / "tool")) == str(own / "tool")


def test_default_folders_are_secscans_environment(tmp_path: Path) -> None:
    dirs = Runner(env={"PATH": BARE_PATH}).tool_dirs
    assert dirs[: len(environment_dirs())] == environment_dirs()
    assert Path(sysconfig.get_path("scripts")) in dirs and Path(sys.executable).parent in dirs
    extra = Runner(env={"PATH": BARE_PATH, "SECSCAN_TOOL_PATH": str(tmp_path)}).tool_dirs
    assert extra[0] == tmp_path and extra[1:] == dirs


def test_processes_start_the_tool_found_beside_secscan(tmp_path: Path) -> None:
    own = tmp_path / "own"
    own.mkdir()
    executable(own, "tool", "echo from-own")
    res = Runner(env={"PATH": BARE_PATH}, tool_dirs=[own]).run(Invocation(("tool",), tmp_path, 30.0))
    assert res.error is None and res.stdout == b"from-own\n"
    res = Runner(env={"PATH": BARE_PATH}, tool_dirs=[tmp_path]).run(Invocation(("tool",), tmp_path, 30.0))
    assert res.error == f"tool not found on PATH nor in secscan's environment ({tmp_path})"


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_tools_are_found_without_path(name: str) -> None:
    path = beside_secscan(name)
    assert Runner(env={"PATH": BARE_PATH}).which(name) == str(path)


# ------------------------------------------------------------------ real tools, PATH without them


@pytest.mark.slow
def test_real_tools_run_from_secscans_environment_without_path(tmp_path: Path) -> None:
    paths = {name: beside_secscan(name) for name in ("bandit", "semgrep", "detect-secrets")}
    runner = Runner(env={**os.environ, "PATH": BARE_PATH})
    report = diagnose(tmp_path, offline=True, scanners=list(paths), runner=runner)
    for row in report.rows:
        assert row.status == "ok" and row.canary == "detected", row
        assert row.found == str(paths[row.scanner])
    assert report.exit_code == 0


@pytest.mark.slow
def test_cli_by_full_path_finds_its_tools_and_fails_on_findings(tmp_path: Path) -> None:
    """`venv/bin/secscan all .` without the venv on PATH: bandit and semgrep run, the gate fails (exit 1)."""
    for name in ("bandit", "semgrep"):
        beside_secscan(name)
    cli = beside_secscan("secscan")
    tree, out = tmp_path / "tree", tmp_path / "out"
    tree.mkdir()
    (tree / "app.py").write_text(TREE, "utf-8")
    env = {k: v for k, v in os.environ.items() if k != "SECSCAN_TOOL_PATH"}
    env["PATH"] = BARE_PATH
    proc = subprocess.run([str(cli), "all", str(tree), "--offline", "--no-cache", "--fail-on", "high",
                           "--format", "json", "--output-dir", str(out), "--quiet"],
                          env=env, capture_output=True, text=True, timeout=600)
    report = json.loads((out / "secscan.json").read_text("utf-8"))
    by = {s["name"]: s for s in report["scanners"]}
    for name in ("bandit", "semgrep"):
        assert by[name]["status"] == "ok", by[name]
        assert by[name]["executable"] == str(beside_secscan(name))
        assert by[name]["findings"] > 0
    assert proc.returncode == 1, proc.stderr
    jsonschema.validate(report, json.loads(SCHEMA.read_text("utf-8")))


# ------------------------------------------------------------------ missing tools


@pytest.fixture
def nowhere(tmp_path: Path) -> Runner:
    """A runner that finds no tool: nothing beside secscan, an empty PATH."""
    empty = tmp_path / "empty"
    empty.mkdir()
    return Runner(env={"PATH": str(empty)}, tool_dirs=[empty])


@pytest.fixture
def target(tmp_path: Path) -> Path:
    root = tmp_path / "t"
    root.mkdir()
    (root / "app.py").write_text(TREE, "utf-8")
    (root / "requirements.txt").write_text("requests==2.19.1\n", "utf-8")
    return root


@pytest.mark.parametrize("name", BUNDLED)
def test_missing_bundled_tool_is_failed_with_reinstall_hint(name: str, nowhere: Runner, target: Path) -> None:
    scanner = registry.create(name)
    run = execute(scanner, ScanContext(target=target), ["app.py"], nowhere, None, required=False)
    s = run.result
    assert s.status is Status.FAILED and s.incomplete and s.executable is None
    assert s.reason is not None and s.reason.startswith(f"{registry.info(name).executable} not found on PATH")
    assert "reinstall secscan" in s.reason and "--force-reinstall secscan" in s.reason


@pytest.mark.parametrize(("name", "hint"), [("trivy", "https://trivy.dev/"), ("npm-audit", "nodejs.org")])
def test_missing_external_tool_is_skipped_with_install_hint(name: str, hint: str, nowhere: Runner,
                                                            target: Path) -> None:
    scanner = registry.create(name)
    s = execute(scanner, ScanContext(target=target), [], nowhere, None, required=False).result
    assert s.status is Status.SKIPPED and not s.incomplete
    assert s.reason is not None and "not found on PATH" in s.reason and hint in s.reason
    required = execute(scanner, ScanContext(target=target), [], nowhere, None, required=True).result
    assert required.status is Status.FAILED and required.incomplete and hint in (required.reason or "")
    assert "required by this run" in (required.reason or "")


def test_audit_from_an_osv_folder_needs_no_executable(nowhere: Runner, target: Path) -> None:
    osv = Path(__file__).resolve().parents[1] / "fixtures" / "osv"
    s = execute(registry.create("pip-audit"), ScanContext(target=target, osv_db=osv), ["requirements.txt"],
                nowhere, None, required=True).result
    assert s.status is not Status.FAILED or "not found" not in (s.reason or ""), s
    assert s.executable is None


def test_nothing_installed_never_passes(nowhere: Runner, target: Path) -> None:
    """`secscan sast` with no tool to be found: failed, exit 3, not a pass."""
    from secscan.core.options import ScanOptions
    from secscan.run.engine import scan

    result = scan(ScanOptions(target=target, command="sast", use_cache=False), runner=nowhere)
    assert {s.name: s.status for s in result.scanners} == {"bandit": Status.FAILED, "semgrep": Status.FAILED,
                                                           "notebooks": Status.SKIPPED}  # no notebook there
    assert result.gate.exit_code == 3 and not result.gate.passed


# ------------------------------------------------------------------ the executable in every report


def _result(*scanners: ScannerResult) -> Result:
    return Result(target="t", started_at="2026-01-01T00:00:00+00:00", duration_s=1.0, scanners=scanners,
                  findings=(), gate=Gate("high", True, 0), secscan_version="0.1.0")


def test_executable_is_serialised_shown_and_valid() -> None:
    exe = "/opt/venv/bin/bandit"
    ran = ScannerResult("bandit", Status.OK, "1.9.4", 1.2, None, 0, {"files_scanned": 2}, None, "detected",
                        executable=exe)
    built_in = ScannerResult("secscan-secrets", Status.OK, "0.1.0", 0.3, canary="detected")
    assert scanner_to_dict(ran)["executable"] == exe and scanner_to_dict(built_in)["executable"] is None
    assert scanner_from_dict(scanner_to_dict(ran)) == ran
    assert scanner_from_dict({k: v for k, v in scanner_to_dict(ran).items() if k != "executable"}) == \
        ran.with_(executable=None)  # a report written before the field existed
    jsonschema.validate(to_dict(_result(ran, built_in)), json.loads(SCHEMA.read_text("utf-8")))
    table = health_table(_result(ran, built_in))
    assert "executable" in table[0]
    assert any(exe in line and line.lstrip().startswith("bandit") for line in table)
    md = render_markdown(_result(ran, built_in))
    assert "| executable |" in md and "/opt/venv/bin/bandit |" in md
