"""The PQC check's child (possibly an application's interpreter) runs in a private empty folder: never in
secscan's installed package, which it could otherwise patch, nor in the scanned tree; and with a minimal
environment: never the caller's tokens and keys."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pqc_fakes import fake_env

import secscan
from secscan.analyzers.pqc.verify import verify
from secscan.process.runner import Runner
from secscan.scanners.interface import ScanContext
from secscan.scanners.pqc import PqcScanner

SPY = """
import os
open(os.environ["SPY_OUT"], "w").write(os.getcwd() + "\\n" + "\\n".join(sorted(os.listdir("."))))
raise SystemExit("spy only")
"""


def test_child_runs_in_a_private_empty_folder(tmp_path: Path) -> None:
    out = tmp_path / "spy.txt"
    verify(("ML-KEM-768",), env={**fake_env(tmp_path, SPY), "SPY_OUT": str(out)}, timeout=30)
    cwd, *listing = out.read_text().splitlines()
    package = Path(secscan.__file__).resolve().parent
    assert not Path(cwd).resolve().is_relative_to(package)
    assert not Path(cwd).resolve().is_relative_to(tmp_path.resolve())
    assert listing == [] and not Path(cwd).exists()  # empty, and removed after the check


DUMP_ENV = """
import json, os
open({out!r}, "w").write(json.dumps(dict(os.environ)))
raise SystemExit("spy only")
"""


def test_child_never_sees_the_callers_secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_" + "a1B2c3D4e5" * 4)
    out = tmp_path / "env.json"
    env = fake_env(tmp_path, DUMP_ENV.format(out=str(out)))
    monkeypatch.setenv("PYTHONPATH", env["PYTHONPATH"])  # the application's oqs, found through the caller
    PqcScanner().execute(ScanContext(target=tmp_path, options={"pqc_algs": ["ML-KEM-768"]}), [], [], Runner())
    seen = json.loads(out.read_text())
    assert "AWS_SECRET_ACCESS_KEY" not in seen and "GITHUB_TOKEN" not in seen
    assert seen["PYTHONPATH"] == env["PYTHONPATH"] and "PATH" in seen
    out.unlink()
    verify(("ML-KEM-768",), timeout=30)  # a runner of its own: the same minimal environment
    seen = json.loads(out.read_text())
    assert "AWS_SECRET_ACCESS_KEY" not in seen and "GITHUB_TOKEN" not in seen
