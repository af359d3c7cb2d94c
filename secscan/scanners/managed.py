"""Tools secscan installs into an isolated environment of its own, the way pre-commit does.

checkov cannot share secscan's environment: its dependency ``bc-detect-secrets`` installs the same
``detect_secrets`` package as ``detect-secrets`` (whichever is installed last silently replaces the other;
``pip check`` sees no conflict), and it pins ``boto3`` and ``packaging<24``. So a
``Tool(managed="checkov==X")`` is installed on first use into ``<tools home>/<name>-<version>/`` (a venv
made by secscan's own interpreter) and its executable is linked into ``<tools home>/bin/``, which the
runner searches after secscan's own environment and before PATH (``secscan.process.runner.tools_home``:
$SECSCAN_TOOLS_HOME, else ~/.cache/secscan/tools). A tool found on $SECSCAN_TOOL_PATH, beside secscan or
on PATH is used as it is.

Installing needs the package index once (pip's own configuration, proxies and index included); a machine
without it gets a ``failed`` scanner with the reason and the hint, never a silent skip.
"""

from __future__ import annotations

import fcntl
import os
import sys
from pathlib import Path

from secscan.process.runner import Invocation, Runner
from secscan.scanners.interface import Tool

INSTALL_TIMEOUT_S = 900.0
MARKER = ".secscan-installed"  # written last: a folder without it is an interrupted install


def folder_name(requirement: str) -> str:
    """'checkov==3.3.30' -> 'checkov-3.3.30'."""
    return requirement.replace("==", "-").replace("/", "_").replace(" ", "")


def env_dir(tool: Tool, runner: Runner) -> Path:
    """The environment of a managed tool."""
    return runner.managed_dir.parent / folder_name(tool.managed)


def installed(tool: Tool, runner: Runner) -> bool:
    """True when the pinned environment is complete and linked."""
    env = env_dir(tool, runner)
    link = runner.managed_dir / tool.executable
    marker = env / MARKER
    return (marker.is_file() and marker.read_text("utf-8").strip() == tool.managed
            and link.is_symlink() and Path(os.readlink(link)) == env / "bin" / tool.executable)


def ensure(tool: Tool, runner: Runner, timeout: float = INSTALL_TIMEOUT_S) -> str | None:
    """Make a managed tool runnable; None when it is, else why not.

    A tool found outside secscan's tools home ($SECSCAN_TOOL_PATH, secscan's environment, PATH) is used as
    it is; otherwise the pinned environment is installed (under a lock: parallel runs install once).
    """
    found = runner.which(tool.executable)
    home = runner.managed_dir.parent
    if found is not None and not Path(found).is_relative_to(home):
        return None
    if installed(tool, runner):
        return None
    try:
        home.mkdir(parents=True, exist_ok=True)
        with (home / ".lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if installed(tool, runner):
                return None
            return _install(tool, runner, timeout)
    except OSError as exc:
        return f"cannot install {tool.managed} under {home}: {exc.strerror or exc}"


def _install(tool: Tool, runner: Runner, timeout: float) -> str | None:
    env = env_dir(tool, runner)
    (env / MARKER).unlink(missing_ok=True)
    steps = (
        (sys.executable, "-m", "venv", "--clear", str(env)),
        (str(env / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check", "--no-input",
         "--quiet", tool.managed),
    )
    for argv in steps:
        res = runner.run(Invocation(argv, env.parent, timeout, label=f"install {tool.managed}"))
        if res.timed_out or res.error or res.returncode != 0:
            why = res.error or ("timed out" if res.timed_out else "")
            why = why or res.stderr_tail() or f"exit {res.returncode}"
            return f"installing {tool.managed} into {env} failed: {why}"
    exe = env / "bin" / tool.executable
    if not exe.is_file():
        return f"installing {tool.managed} into {env} gave no {tool.executable} executable"
    runner.managed_dir.mkdir(parents=True, exist_ok=True)
    tmp = runner.managed_dir / f".{tool.executable}.{os.getpid()}"
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(exe)
    os.replace(tmp, runner.managed_dir / tool.executable)
    (env / MARKER).write_text(tool.managed + "\n", "utf-8")
    return None
