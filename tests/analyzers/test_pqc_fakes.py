"""The whole PQC check (child process included) against fake `oqs` modules: every fake must read `stub`;
a module that would download liboqs is never imported; git is refused; the scanner and the command."""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pqc_fakes import FAKES, fake_env

from secscan.analyzers.pqc.probe import probe_library
from secscan.analyzers.pqc.result import ChildStatus, Verdict
from secscan.analyzers.pqc.verify import verify
from secscan.cli import pqc as command
from secscan.core.model import Severity, Status
from secscan.process.runner import Runner
from secscan.scanners.interface import ScanContext
from secscan.scanners.pqc import PqcScanner


@pytest.mark.parametrize("kind", ["random", "constant", "echo", "roundtrip", "noisy"])
def test_every_fake_is_judged_stub(tmp_path: Path, kind: str) -> None:
    res = verify(("ML-KEM-512", "ML-KEM-768"), env=fake_env(tmp_path, FAKES[kind]), timeout=30)
    assert res.verdict is Verdict.STUB, res.reasons
    assert res.evidence.child_status is ChildStatus.OK
    assert res.evidence.module_genuine is False
    assert res.evidence.module and res.evidence.module.startswith(str(tmp_path))
    failed = {c.name for a in res.evidence.algorithms for c in a.failed}
    assert failed, "a fake must fail value checks, not only the backing check"
    if kind in ("random", "constant", "echo", "noisy"):
        assert "implicit_rejection" in failed
    if kind == "random":
        assert "round_trip" in failed
    if kind in ("constant", "noisy"):
        assert {"distinct_encapsulations", "secret_not_in_public_data"} <= failed
    if kind == "echo":
        assert "secret_not_in_public_data" in failed


def test_fake_passing_round_trip_fails_exactly_implicit_rejection(tmp_path: Path) -> None:
    res = verify(("ML-KEM-512",), env=fake_env(tmp_path, FAKES["roundtrip"]))
    (alg,) = res.evidence.algorithms
    assert alg.check("round_trip").passed is True  # type: ignore[union-attr]
    assert alg.check("key_structure").passed is True  # type: ignore[union-attr]
    assert {c.name for c in alg.failed} == {"implicit_rejection"}
    assert res.verdict is Verdict.STUB and any("implicit_rejection" in r for r in res.reasons)


def test_fake_passing_every_value_check_is_stub_because_not_backed(tmp_path: Path) -> None:
    res = verify(("ML-KEM-512",), env=fake_env(tmp_path, FAKES["perfect"]))
    assert not [c for a in res.evidence.algorithms for c in a.failed]
    assert res.verdict is Verdict.STUB
    assert "not backed by a liboqs library" in res.reasons[0]
    # ML-KEM-768 has an independent implementation: the fake's keys and ciphertexts are foreign to it
    res = verify(("ML-KEM-768",), env=fake_env(tmp_path, FAKES["perfect"], "again"))
    failed = {c.name for a in res.evidence.algorithms for c in a.failed}
    assert {"cross_ref_to_oqs", "cross_oqs_to_ref"} <= failed


def test_import_that_starts_git_is_refused_and_broken(tmp_path: Path) -> None:
    src = "import subprocess\nsubprocess.run(['git', 'clone', 'https://example.invalid/liboqs'])\n"
    res = verify(("ML-KEM-768",), env=fake_env(tmp_path, src))
    assert res.verdict is Verdict.BROKEN
    assert res.evidence.child_status is ChildStatus.IMPORT_FAILED
    assert "refused to start git" in (res.evidence.child_error or "")


def test_import_raising_systemexit_is_broken(tmp_path: Path) -> None:
    res = verify(("ML-KEM-768",), env=fake_env(tmp_path, "raise SystemExit('Could not load liboqs')\n"))
    assert res.verdict is Verdict.BROKEN and "Could not load liboqs" in res.reasons[0]


def test_hanging_import_times_out_as_broken(tmp_path: Path) -> None:
    res = verify(("ML-KEM-768",), env=fake_env(tmp_path, "import time\ntime.sleep(60)\n"), timeout=1.5)
    assert res.verdict is Verdict.BROKEN and res.evidence.child_status is ChildStatus.TIMEOUT


def _no_library_env(tmp_path: Path) -> dict[str, str]:
    env = {"OQS_INSTALL_PATH": str(tmp_path / "no-oqs-here")}
    probe = probe_library({**os.environ, **env})
    if probe.found:
        pytest.skip(f"a liboqs library is on the system path ({probe.found}): cannot test its absence")
    return env


def test_module_that_installs_liboqs_is_never_imported(tmp_path: Path) -> None:
    env = _no_library_env(tmp_path)
    mark = tmp_path / "imported"
    src = f"def _install_liboqs(): pass\nopen({str(mark)!r}, 'w').close()\n"
    res = verify(("ML-KEM-768",), env={**env, **fake_env(tmp_path, src)})
    assert not mark.exists()
    assert res.verdict is Verdict.UNAVAILABLE and res.evidence.child_status is ChildStatus.NO_LIBRARY
    assert str(tmp_path / "no-oqs-here" / "lib" / "liboqs.so") in res.reasons[0]


def test_installed_liboqs_python_without_library_is_unavailable_and_builds_nothing(tmp_path: Path) -> None:
    if importlib.util.find_spec("oqs") is None:
        pytest.skip("liboqs-python is not installed in this interpreter")
    env = _no_library_env(tmp_path)
    res = verify(env=env)
    assert res.verdict is Verdict.UNAVAILABLE, res.reasons
    assert res.evidence.module_genuine is True
    assert not (tmp_path / "no-oqs-here").exists()  # liboqs-python's installer never ran
    assert any("find_library" in s for s in res.searched)


def test_interpreter_without_oqs_is_unavailable(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    res = verify(("ML-KEM-768",), python=str(venv))  # a venv folder is accepted
    assert res.evidence.python.startswith(str(venv))
    assert res.evidence.child_status is ChildStatus.NO_MODULE
    assert res.verdict is Verdict.UNAVAILABLE and "cannot import an oqs module" in res.reasons[0]
    # the venv interpreter (without secscan) runs the child script: a fake on its path is judged stub
    res = verify(("ML-KEM-768",), python=str(venv), env=fake_env(tmp_path, FAKES["constant"]))
    assert res.verdict is Verdict.STUB and res.evidence.python_version


def test_scanner_reports_stub_as_critical_crypto_finding(tmp_path: Path) -> None:
    runner = Runner(env={**os.environ, **fake_env(tmp_path, FAKES["echo"])})
    ctx = ScanContext(target=tmp_path, timeout=60, options={"pqc_algs": ["ML-KEM-768"]})
    out = PqcScanner().execute(ctx, [], [], runner)
    p = out.parsed
    assert p.status is Status.OK and p.tool == "pqc"
    assert [f.rule_id for f in p.findings] == ["PQC-STUB"]
    assert p.findings[0].severity is Severity.CRITICAL and p.findings[0].category.value == "crypto"
    assert p.evidence and p.evidence["verdict"] == "stub" and p.evidence["self_test"] == "passed"
    assert p.evidence["algorithms"][0]["alg"] == "ML-KEM-768"
    json.dumps(p.evidence)  # JSON-ready


def test_scanner_skips_or_requires_unavailable(tmp_path: Path) -> None:
    env = _no_library_env(tmp_path)
    runner = Runner(env={**os.environ, **env, "PYTHONPATH": str(tmp_path / "empty")})
    ctx = ScanContext(target=tmp_path, options={"pqc_python": sys.executable})
    p = PqcScanner().execute(ctx, [], [], runner).parsed
    assert p.evidence and p.evidence["verdict"] == "unavailable"
    assert p.status is Status.SKIPPED and not p.findings and "searched" in (p.reason or "")
    ctx.options["require_pqc"] = True
    p = PqcScanner().execute(ctx, [], [], runner).parsed
    assert p.status is Status.OK and p.findings[0].rule_id == "PQC-UNAVAILABLE"
    bad = ScanContext(target=tmp_path, options={"pqc_python": str(tmp_path / "nope")})
    assert PqcScanner().execute(bad, [], [], runner).parsed.status is Status.FAILED


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    return parser.parse_args(list(argv))


def test_command_exit_codes_and_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    assert command.run(_args("--python", str(tmp_path / "missing"))) == 2
    monkeypatch.setenv("PYTHONPATH", fake_env(tmp_path, FAKES["constant"])["PYTHONPATH"])
    capsys.readouterr()
    assert command.run(_args("--alg", "ML-KEM-768")) == 1
    out = capsys.readouterr().out
    assert "verdict: STUB" in out and "FAIL" in out and "PQC running in stub mode" in out
    assert command.run(_args("--alg", "ML-KEM-512", "--format", "json")) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["scanner"]["name"] == "pqc" and doc["findings"][0]["severity"] == "critical"


def test_command_unavailable_skips_unless_required(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    env = _no_library_env(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OQS_INSTALL_PATH", env["OQS_INSTALL_PATH"])
    monkeypatch.delenv("PYTHONPATH", raising=False)
    assert command.run(_args()) == 0
    assert "skipped" in capsys.readouterr().out
    assert command.run(_args("--require")) == 1
    (tmp_path / "pyproject.toml").write_text("[tool.secscan]\nrequire_pqc = true\n")
    assert command.run(_args()) == 1
    (tmp_path / "pyproject.toml").write_text("[tool.secscan]\nrequire_pqc = 'yes'\n")
    assert command.run(_args()) == 2
