"""The only module that starts processes: timeouts, process groups, and Ctrl-C."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

pass

_GRACE_S = 2.0


@dataclass(frozen=True)
class Invocation:
    """One process to start."""

    argv: tuple[str, ...]
    cwd: Path
    timeout: float
    env: Mapping[str, str] = field(default_factory=dict)
    label: str = ""


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

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self._env = dict(os.environ if env is None else env)
        self._live: dict[int, subprocess.Popen[bytes]] = {}
        self._lock = threading.Lock()
        self.interrupted = threading.Event()

    @property
    def env_path(self) -> str | None:
        """The PATH processes are started with."""
        return self._env.get("PATH")

    def which(self, name: str) -> str | None:
        """Where an executable is on this runner's PATH."""
        return shutil.which(name, path=self._env.get("PATH"))

    def run(self, inv: Invocation, stdin: bytes | None = None) -> ProcResult:
        """Run one process to completion, its timeout, or an interrupt."""
        start = time.monotonic()
        if self.interrupted.is_set():
            return ProcResult(inv, None, b"", b"", 0.0, error="interrupted before it started")
        env = {**self._env, **inv.env}
        exe = shutil.which(inv.argv[0], path=env.get("PATH")) if "/" not in inv.argv[0] else inv.argv[0]
        if exe is None:
            return ProcResult(inv, None, b"", b"", 0.0, error=f"{inv.argv[0]} not found on PATH")
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
