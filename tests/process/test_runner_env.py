"""A process started with ``inherit_env=False`` gets only the allow-listed part of the runner's environment
(where programs, libraries and Python are, the locale, temporary folders) plus its own ``env``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from secscan.process.runner import Invocation, Runner, minimal_env

DUMP = "import json, os; print(json.dumps(dict(os.environ)))"
CALLER = {"PATH": "/usr/bin:/bin", "HOME": "/home/u", "LANG": "C.UTF-8", "LC_ALL": "C", "TZ": "UTC",
          "TMPDIR": "/tmp", "PYTHONPATH": "/app/lib", "OQS_INSTALL_PATH": "/opt/oqs",
          "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "GITHUB_TOKEN": "ghp_x" * 8,
          "SECSCAN_TOOL_PATH": "/x", "LD_PRELOAD": "/evil.so"}


def _child_env(tmp_path: Path, inherit: bool) -> dict[str, str]:
    inv = Invocation((sys.executable, "-c", DUMP), tmp_path, 30.0, env={"OWN": "1"}, inherit_env=inherit)
    res = Runner(env=CALLER, tool_dirs=[]).run(inv)
    assert res.returncode == 0, res.stderr
    env: dict[str, str] = json.loads(res.stdout)
    return env


def test_minimal_env_is_the_allow_list() -> None:
    assert minimal_env(CALLER) == {k: CALLER[k] for k in ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR",
                                                          "PYTHONPATH", "OQS_INSTALL_PATH")}


def test_a_child_without_the_callers_environment(tmp_path: Path) -> None:
    env = _child_env(tmp_path, inherit=False)
    assert "AWS_SECRET_ACCESS_KEY" not in env and "GITHUB_TOKEN" not in env
    assert "LD_PRELOAD" not in env and "SECSCAN_TOOL_PATH" not in env
    assert env["OWN"] == "1" and env["PATH"] == CALLER["PATH"] and env["PYTHONPATH"] == "/app/lib"
    assert env["LC_ALL"] == "C" and env["OQS_INSTALL_PATH"] == "/opt/oqs"


def test_by_default_a_child_inherits_the_runners_environment(tmp_path: Path) -> None:
    env = _child_env(tmp_path, inherit=True)
    assert env["GITHUB_TOKEN"] == CALLER["GITHUB_TOKEN"] and env["OWN"] == "1"
