"""The only module that starts processes: timeouts, process groups, and Ctrl-C."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

_GRACE_S = 2.0
#: Folders (separated like PATH) searched for tools before secscan's own environment: another install of a
#: tool, or a test's stand-in, used instead of the one beside secscan.
TOOL_PATH_VAR = "SECSCAN_TOOL_PATH"


def _user_scripts() -> str:
    """The user scheme's scripts folder when secscan itself is a user install (``pip install --user``)."""
    scheme = sysconfig.get_preferred_scheme("user")
    try:
        site = Path(sysconfig.get_path("purelib", scheme)).resolve()
        inside = Path(__file__).resolve().is_relative_to(site)
    except (KeyError, OSError):
        return ""
    return sysconfig.get_path("scripts", scheme) if inside else ""


def environment_dirs() -> tuple[Path, ...]:
    """secscan's own environment, where the tools it depends on are installed beside it: the scripts folder
    of this interpreter's installation scheme (of the user scheme for a user install), then the interpreter's
    own folder (a venv, a pipx install)."""
    found: list[Path] = []
    interpreter = os.path.dirname(sys.executable) if sys.executable else ""
    for folder in (_user_scripts(), sysconfig.get_path("scripts"), interpreter):
        if folder and Path(folder) not in found:
            found.append(Path(folder))
    return tuple(found)


#: Where secscan keeps the isolated environments of the tools it installs itself (checkov: its dependencies
#: cannot share secscan's environment); their executables are linked into its ``bin`` folder, searched after
#: secscan's own environment and before PATH.
TOOLS_HOME_VAR = "SECSCAN_TOOLS_HOME"


def tools_home(env: Mapping[str, str]) -> Path:
    """$SECSCAN_TOOLS_HOME, else $XDG_CACHE_HOME/secscan/tools, else ~/.cache/secscan/tools."""
    if env.get(TOOLS_HOME_VAR):
        return Path(env[TOOLS_HOME_VAR])
    cache = env.get("XDG_CACHE_HOME") or os.path.join(env.get("HOME") or os.path.expanduser("~"), ".cache")
    return Path(cache, "secscan", "tools")


def default_tool_dirs(env: Mapping[str, str]) -> tuple[Path, ...]:
    """The folders searched before PATH: $SECSCAN_TOOL_PATH, then secscan's own environment."""
    extra = [Path(p) for p in env.get(TOOL_PATH_VAR, "").split(os.pathsep) if p]
    return tuple(dict.fromkeys([*extra, *environment_dirs()]))


#: What a process started with ``inherit_env=False`` keeps of the runner's environment: where programs,
#: libraries, Python and temporary files are, the locale and time zone; never credentials or tokens.
MINIMAL_ENV = frozenset({"PATH", "HOME", "LANG", "TZ", "TMPDIR", "TEMP", "TMP", "SYSTEMROOT",
                         "OQS_INSTALL_PATH", "LD_LIBRARY_PATH", "DYLD_LIBRARY_PATH", "PYTHONPATH",
                         "PYTHONHOME", "VIRTUAL_ENV"})
MINIMAL_ENV_PREFIXES = ("LC_",)


def minimal_env(env: Mapping[str, str]) -> dict[str, str]:
    """The part of env in the allow-list (``MINIMAL_ENV``, ``LC_*``)."""
    return {k: v for k, v in env.items() if k in MINIMAL_ENV or k.startswith(MINIMAL_ENV_PREFIXES)}


@dataclass(frozen=True)
class Invocation:
    """One process to start. ``env`` is added to the runner's environment; with ``inherit_env=False`` the
    process gets only the allow-listed part of it (:func:`minimal_env`) plus ``env``: for a child that may
    run someone else's code (an application's interpreter), which must never see the caller's secrets."""

    argv: tuple[str, ...]
    cwd: Path
    timeout: float
    env: Mapping[str, str] = field(default_factory=dict)
    label: str = ""
    inherit_env: bool = True


@dataclass(frozen=True)
class ProcResult:
    """What one process did."""

    invocation: Invocation
    returncode: int | None
    stdout: bytes
    stderr: bytes
    duration_s: float
    timed_out: bool = False
    error: str | None = None  # could not start (missing binary, permission), or was killed

    def stderr_tail(self, limit: int = 300) -> str:
        """The last meaningful stderr line(s), for a reason text."""
        text = self.stderr.decode("utf-8", "replace").strip()
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        return " | ".join(lines[-3:])[-limit:] if lines else ""


class Runner:
    """Starts processes in their own process group so a timeout or Ctrl-C stops the whole tree."""

    def __init__(self, env: Mapping[str, str] | None = None,
                 tool_dirs: Sequence[str | Path] | None = None) -> None:
        """env: the processes' environment (default: this one's); tool_dirs: the folders searched before
        PATH (default: ``default_tool_dirs(env)``, $SECSCAN_TOOL_PATH then secscan's own environment)."""
        self._env = dict(os.environ if env is None else env)
        dirs = default_tool_dirs(self._env) if tool_dirs is None else tool_dirs
        self.tool_dirs = tuple(Path(d) for d in dirs)
        self.managed_dir = tools_home(self._env) / "bin"  # the tools secscan installed itself
        self._live: dict[int, subprocess.Popen[bytes]] = {}
        self._lock = threading.Lock()
        self.interrupted = threading.Event()

    @property
    def env_path(self) -> str | None:
        """The PATH processes are started with."""
        return self._env.get("PATH")

    def which(self, name: str, path: str | None = None) -> str | None:
        """Where an executable is: first in secscan's own environment (``tool_dirs``: a tool installed beside
        secscan is found without activating its venv), then among the tools secscan installed itself
        (``managed_dir``), then on PATH (the runner's, or ``path``)."""
        if os.sep in name:
            return shutil.which(name)
        search = path if path is not None else self._env.get("PATH")
        if search is None:
            search = os.environ.get("PATH", os.defpath)
        folders = [str(d) for d in (*self.tool_dirs, self.managed_dir)]
        folders += [p for p in search.split(os.pathsep) if p]
        return shutil.which(name, path=os.pathsep.join(folders)) if folders else None

    def not_found(self, name: str) -> str:
        """Where ``which`` looked for a tool it did not find, said in one line."""
        beside = ", ".join(str(d) for d in self.tool_dirs) or "no folder"
        return f"{name} not found on PATH nor in secscan's environment ({beside})"

    def run(self, inv: Invocation, stdin: bytes | None = None) -> ProcResult:
        """Run one process to completion, its timeout, or an interrupt."""
        start = time.monotonic()
        if self.interrupted.is_set():
            return ProcResult(inv, None, b"", b"", 0.0, error="interrupted before it started")
        env = {**(self._env if inv.inherit_env else minimal_env(self._env)), **inv.env}
        exe = self.which(inv.argv[0], env.get("PATH")) if "/" not in inv.argv[0] else inv.argv[0]
        if exe is None:
            return ProcResult(inv, None, b"", b"", 0.0, error=self.not_found(inv.argv[0]))
        try:
            proc = subprocess.Popen(
                [exe, *inv.argv[1:]],
                cwd=inv.cwd,
                env=env,
                start_new_session=True,
                stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        except OSError as exc:
            return ProcResult(
                inv,
                None,
                b"",
                b"",
                time.monotonic() - start,
                error=f"cannot start {inv.argv[0]}: {exc.strerror or exc}",
            )
        with self._lock:
            self._live[proc.pid] = proc
        try:
            out, err = proc.communicate(input=stdin, timeout=inv.timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            self._stop(proc)
            out, err = proc.communicate()
            timed_out = True
        finally:
            with self._lock:
                self._live.pop(proc.pid, None)
        error = None
        if (
            not timed_out
            and self.interrupted.is_set()
            and proc.returncode is not None
            and proc.returncode < 0
        ):
            error = "interrupted"
        elif not timed_out and proc.returncode is not None and proc.returncode < 0:
            error = f"{inv.argv[0]} was killed by signal {-proc.returncode}"
        return ProcResult(
            inv,
            proc.returncode,
            out or b"",
            err or b"",
            time.monotonic() - start,
            timed_out=timed_out,
            error=error,
        )

    def open_stream(self, inv: Invocation) -> subprocess.Popen[bytes] | str:
        """Start a process whose stdin and stdout the caller streams (``git cat-file --batch``), in its own
        process group; an interrupt stops it. Returns the process, or why it could not start. The caller
        ends it with :meth:`close_stream`."""
        if self.interrupted.is_set():
            return "interrupted before it started"
        env = {**(self._env if inv.inherit_env else minimal_env(self._env)), **inv.env}
        exe = self.which(inv.argv[0], env.get("PATH")) if "/" not in inv.argv[0] else inv.argv[0]
        if exe is None:
            return self.not_found(inv.argv[0])
        try:
            proc = subprocess.Popen([exe, *inv.argv[1:]], cwd=inv.cwd, env=env, start_new_session=True,
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        except OSError as exc:
            return f"cannot start {inv.argv[0]}: {exc.strerror or exc}"
        with self._lock:
            self._live[proc.pid] = proc
        return proc

    def close_stream(self, proc: subprocess.Popen[bytes], timeout: float = _GRACE_S
                     ) -> tuple[int | None, bytes]:
        """End a streamed process (stopped when it does not exit within timeout): (exit code, stderr)."""
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._stop(proc)
        finally:
            with self._lock:
                self._live.pop(proc.pid, None)
        err = proc.stderr.read() if proc.stderr is not None else b""
        for pipe in (proc.stdin, proc.stdout, proc.stderr):
            if pipe is not None:
                try:
                    pipe.close()
                except OSError:
                    pass
        return proc.returncode, err or b""

    def _stop(self, proc: subprocess.Popen[bytes]) -> None:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(proc.pid, sig)
            except (ProcessLookupError, PermissionError):
                return
            try:
                proc.wait(timeout=_GRACE_S)
                return
            except subprocess.TimeoutExpired:
                continue

    def interrupt(self) -> None:
        """Stop every live process (Ctrl-C); later runs do not start."""
        self.interrupted.set()
        with self._lock:
            live = list(self._live.values())
        for proc in live:
            self._stop(proc)
