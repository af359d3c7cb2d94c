"""pip-audit online: the canary is a candidate the target does not name, requirement files that pin one
package differently are audited in separate processes (each with the canary), the report says per file what
was audited, and a failure's reason is pip-audit's own error line."""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from run_cli import run_cli

from secscan.analyzers.advisories import python_deps
from secscan.parsers.pip_audit import error_line
from secscan.scanners.interface import ScanContext
from secscan.scanners.pip_audit_plan import plan

# A stand-in for pip-audit 2.10.1: logs what it was given (argv and the content of every -r file), refuses
# "duplicate requirements" as pip-audit does, and prints pip-audit's JSON for the pins it was given.
FAKE = textwrap.dedent("""
    import json, os, sys
    from pathlib import Path
    args = sys.argv[1:]
    if args == ["--version"]:
        print("pip-audit 2.10.1"); sys.exit(0)
    files = [args[i + 1] for i, a in enumerate(args) if a == "-r"]
    given = {f: Path(f).read_text() for f in files}
    with open(os.environ["FAKE_PIP_AUDIT_LOG"], "a") as log:
        log.write(json.dumps({"argv": args, "files": given}) + "\\n")
    if os.environ.get("FAKE_PIP_AUDIT_FAIL"):
        sys.stderr.write(os.environ["FAKE_PIP_AUDIT_FAIL"]); sys.exit(1)
    pins = {}
    for f, text in given.items():
        for ln in text.splitlines():
            if "==" in ln and not ln.startswith("#"):
                name, version = ln.split("==")
                if pins.get(name.lower(), version) != version:
                    sys.stderr.write("ERROR:pip_audit._cli:package %s has duplicate requirements: %s\\n"
                                     % (name.lower(), ln)); sys.exit(1)
                pins[name.lower()] = version
    known = {("pyyaml", "5.3"): ("PYSEC-2020-96", "CVE-2020-1747", "5.3.1"),
             ("urllib3", "1.24.1"): ("PYSEC-2019-133", "CVE-2019-11324", "1.24.2"),
             ("requests", "2.19.1"): ("PYSEC-2018-28", "CVE-2018-18074", "2.20.0"),
             ("jinja2", "2.10"): ("PYSEC-2019-217", "CVE-2019-10906", "2.10.1")}
    blind = set(os.environ.get("FAKE_PIP_AUDIT_BLIND", "").split(","))
    deps = []
    for name, version in pins.items():
        hit = known.get((name, version)) if name not in blind else None
        vulns = [{"id": hit[0], "fix_versions": [hit[2]], "aliases": [hit[1]], "description": "d"}] \\
            if hit else []
        deps.append({"name": name, "version": version, "vulns": vulns})
    print(json.dumps({"dependencies": deps, "fixes": []}))
    sys.exit(1 if any(d["vulns"] for d in deps) else 0)
    """)


@pytest.fixture
def fake_pip_audit(tmp_path: Path, fake_bin: Callable[[str, str], Path],
                   monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fake on PATH; returns the log of its calls (one JSON object per process)."""
    script = tmp_path / "fake_pip_audit.py"
    script.write_text(FAKE, "utf-8")
    fake_bin("pip-audit", f'exec "{sys.executable}" "{script}" "$@"\n')
    log = tmp_path / "calls.jsonl"
    monkeypatch.setenv("FAKE_PIP_AUDIT_LOG", str(log))
    return log


def calls(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text("utf-8").splitlines()]


def project(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "proj"
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, "utf-8")
    return root


def scan(root: Path, tmp_path: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    return run_cli("deps", root, tmp_path / "out", "--scanners", "pip-audit", "--quiet", "--format", "json",
                   "--fail-on", "high", *extra)


def pip_audit(report: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = next(s for s in report["scanners"] if s["name"] == "pip-audit")
    return entry


def planned(root: Path, tmp_path: Path, with_canary: bool = True) -> list[tuple[tuple[str, ...], list[str]]]:
    """(files audited, the -r arguments with the canary file replaced by its content) of each process."""
    manifests = python_deps.find_python_manifests(root, [p.relative_to(root).as_posix()
                                                         for p in root.rglob("*") if p.is_file()])
    folder = tmp_path / "plan"
    folder.mkdir(exist_ok=True)
    specs = {m: python_deps.requirement_specs(root, m) for m in manifests}
    out = []
    for audit in plan(ScanContext(root), manifests, specs, folder, with_canary):
        argv = audit.invocation.argv
        given = [argv[i + 1] for i, a in enumerate(argv) if a == "-r"]
        assert all(g.startswith(str(folder)) for g in given)  # never a file of the tree itself
        out.append((audit.files, [_shown(Path(g).read_text("utf-8").strip()) for g in given]))
    return out


def _shown(text: str) -> str:
    """A requirements file secscan wrote from one of the tree's, as that file's name; other files (the
    canary, a lock file's pins) as their content."""
    head = "# requirements read by secscan from "
    return text.splitlines()[0][len(head):] if text.startswith(head) else text


# ------------------------------------------------------------------ the processes planned


def test_a_target_pinning_pyyaml_gets_another_canary(tmp_path: Path) -> None:
    root = project(tmp_path, {"requirements.txt": "PyYAML==6.0.1\nrequests==2.31.0\n"})
    assert planned(root, tmp_path) == [(("requirements.txt",), ["requirements.txt", "urllib3==1.24.1"])]
    wanted = (["pyyaml==6.0.1", "requests==2.31.0"], [])
    assert python_deps.index_requirements(root, "requirements.txt") == wanted
    root = project(tmp_path / "b", {"requirements.txt": "pyyaml\nurllib3>=2\n"})  # named without a pin too
    assert planned(root, tmp_path) == [(("requirements.txt",), ["requirements.txt", "pygments==2.7.3"])]


def test_files_pinning_one_package_differently_are_separate_processes_each_with_the_canary(
    tmp_path: Path,
) -> None:
    root = project(tmp_path, {"lab1/requirements.txt": "pyyaml==5.3\nrequests==2.19.1\n",
                              "lab2/requirements.txt": "pyyaml==6.0.1\njinja2==2.10\n",
                              "lab3/requirements.txt": "requests==2.19.1\n",
                              "svc/poetry.lock": '[[package]]\nname = "PyYAML"\nversion = "6.0.1"\n'})
    got = planned(root, tmp_path)
    assert [files for files, _ in got] == [("lab1/requirements.txt", "lab3/requirements.txt"),
                                           ("lab2/requirements.txt", "svc/poetry.lock")]
    assert all(given[-1] == "urllib3==1.24.1" for _, given in got)
    assert "PyYAML==6.0.1" in got[1][1][1]  # the lock file's pins, written as a requirements file
    without = planned(root, tmp_path, with_canary=False)
    assert without[0][1] == ["lab1/requirements.txt", "lab3/requirements.txt"]


def test_a_target_naming_every_candidate_runs_the_canary_alone(tmp_path: Path) -> None:
    from secscan.analyzers.advisories.pypi_canary import CANDIDATES

    root = project(tmp_path, {"requirements.txt": "".join(f"{c.name}==99\n" for c in CANDIDATES)})
    assert planned(root, tmp_path) == [(("requirements.txt",), ["requirements.txt"]), ((), ["pyyaml==5.3"])]


# ------------------------------------------------------------------ runs with a fake pip-audit


def test_a_target_pinning_pyyaml_is_audited_with_its_own_pyyaml_finding(tmp_path: Path, fake_pip_audit: Path
                                                                        ) -> None:
    root = project(tmp_path, {"requirements.txt": "pyyaml==5.3\nrequests==2.31.0\n"})
    code, rep = scan(root, tmp_path)
    s = pip_audit(rep)
    assert s["status"] == "ok" and s["canary"] == "detected", s
    ((call,),) = [calls(fake_pip_audit)]
    assert sorted(call["files"].values()) == [
        "# requirements read by secscan from requirements.txt\npyyaml==5.3\nrequests==2.31.0\n",
        "urllib3==1.24.1\n"]
    assert [(f["package"]["name"], f["package"]["version"], f["package"]["manifest"]) for f in rep["findings"]
            ] == [("pyyaml", "5.3", "requirements.txt")]  # the target's own; the canary's never shows
    assert code == 1


def test_conflicting_requirement_files_are_audited_per_set_and_reported_per_file(
    tmp_path: Path, fake_pip_audit: Path
) -> None:
    root = project(tmp_path, {"lab1/requirements.txt": "pyyaml==5.3\nrequests==2.19.1\n",
                              "lab2/requirements.txt": "pyyaml==6.0.1\njinja2==2.10\n"})
    code, rep = scan(root, tmp_path)
    s = pip_audit(rep)
    assert s["status"] == "ok" and s["canary"] == "detected", s
    made = calls(fake_pip_audit)
    assert len(made) == 2 and all(any(t == "urllib3==1.24.1\n" for t in c["files"].values()) for c in made)
    found = sorted((f["package"]["name"], f["package"]["manifest"]) for f in rep["findings"])
    assert found == [("jinja2", "lab2/requirements.txt"), ("pyyaml", "lab1/requirements.txt"),
                     ("requests", "lab1/requirements.txt")]
    ev = s["evidence"]
    assert [(p["process"], p["files"], p["canary"], p["status"]) for p in ev["processes"]] == [
        (1, ["lab1/requirements.txt"], "urllib3==1.24.1", "ok"),
        (2, ["lab2/requirements.txt"], "urllib3==1.24.1", "ok")]
    assert ev["processes"][0]["dependencies_audited"] == 3  # its two pins and the canary
    assert ev["files"] == [
        {"file": "lab1/requirements.txt", "process": 1, "status": "ok", "pinned": 2, "vulnerabilities": 2},
        {"file": "lab2/requirements.txt", "process": 2, "status": "ok", "pinned": 2, "vulnerabilities": 1}]
    assert s["coverage"]["manifests"] == 2 and code == 1


def test_one_process_missing_its_canary_fails_the_scanner(tmp_path: Path, fake_pip_audit: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path, {"a/requirements.txt": "jinja2==3.1.3\n",
                              "b/requirements.txt": "jinja2==3.1.4\n"})
    script = tmp_path / "fake_pip_audit.py"  # blind in the second process only
    script.write_text(FAKE.replace('blind = set(', 'blind = {"pyyaml"} if "3.1.4" in str(given) else set('),
                      "utf-8")
    code, rep = scan(root, tmp_path)
    s = pip_audit(rep)
    assert s["status"] == "failed" and s["canary"] == "missing", s
    assert "not reported by the process auditing b/requirements.txt (canary pyyaml==5.3)" in s["reason"]
    assert code == 3


PIP_WARNING = """\
WARNING:pip_audit._virtual_env:pip reported a problem while installing the requirements:
  WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after connection
  broken by 'NewConnectionError('<pip._vendor.urllib3.connection.HTTPSConnection object at 0x7f>: Failed to
  establish a new connection: [Errno -3] Temporary failure in name resolution')': /simple/flask/
  WARNING: Retrying (Retry(total=3, connect=None, read=None, redirect=None, status=None)) after connection
  broken by 'NewConnectionError(...)': /simple/flask/
"""
ERROR = ("ERROR:pip_audit._cli:Failed to install packages: ['/tmp/tmpabc/bin/python', '-m', 'pip', "
         "'install', '--no-input', '-r', 'requirements.txt']")


def test_the_reason_of_a_failure_is_pip_audits_error_line(tmp_path: Path, fake_pip_audit: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_PIP_AUDIT_FAIL", PIP_WARNING + ERROR + "\n")
    root = project(tmp_path, {"requirements.txt": "flask\n"})
    code, rep = scan(root, tmp_path)
    s = pip_audit(rep)
    expected = ERROR.removeprefix("ERROR:pip_audit._cli:")
    assert s["status"] == "failed"
    assert s["reason"].startswith(f"requirements.txt: pip-audit exited 1: {expected}"), s["reason"]
    assert "WARNING" not in s["reason"] and "Retrying" not in s["reason"]
    assert code == 3


def test_error_line_kinds() -> None:
    assert error_line(PIP_WARNING + ERROR) == ERROR.removeprefix("ERROR:pip_audit._cli:")
    two = "ERROR:pip_audit._cli:Connection refused\nERROR:pip_audit._cli:Tip: your network may be blocking\n"
    assert error_line(two.encode()) == "Connection refused; Tip: your network may be blocking"
    assert error_line("usage: pip-audit [-h]\npip-audit: error: unrecognized arguments: --bogus\n") == \
        "unrecognized arguments: --bogus"
    assert error_line("Traceback (most recent call last):\n  File \"x\", line 1\nKeyError: 'version'\n") == \
        "KeyError: 'version'"
    assert error_line("  WARNING: retrying\nERROR: Could not find a version that satisfies foo==9\n") == \
        "Could not find a version that satisfies foo==9"
    assert error_line("WARNING:pip_audit._cli:only a warning\n") is None
    assert len(error_line("ERROR:x:" + "y" * 2000) or "") == 500


# ------------------------------------------------------------------ the real pip-audit


@pytest.mark.slow
def test_real_pip_audit_no_longer_refuses_conflicting_files(tmp_path: Path) -> None:
    """Offline here, pip-audit answers every dependency "not found on PyPI" (failed: nothing audited); what
    matters is that it never sees the two pins of pyyaml, nor the target's pyyaml beside the canary."""
    root = project(tmp_path, {"lab1/requirements.txt": "pyyaml==5.4\n",
                              "lab2/requirements.txt": "pyyaml==6.0.1\n"})
    _code, rep = scan(root, tmp_path)
    s = pip_audit(rep)
    assert "duplicate requirements" not in (s["reason"] or ""), s
    assert [(p["files"], p["canary"]) for p in s["evidence"]["processes"]] == [
        (["lab1/requirements.txt"], "urllib3==1.24.1"), (["lab2/requirements.txt"], "urllib3==1.24.1")]
    assert s["canary"] in ("detected", "missing", "not-checked")
