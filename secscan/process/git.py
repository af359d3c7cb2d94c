"""git, started one way everywhere: no prompt, no pager, no fsmonitor hook, paths printed unquoted.

The scanned tree is untrusted: nothing here lets a repository's configuration start a program (the
fsmonitor hook is switched off; diffs are asked for with --no-ext-diff/--no-textconv by their callers).
"""

from __future__ import annotations

from pathlib import Path

from secscan.process.runner import Invocation, ProcResult, Runner

GIT_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat"}
GIT_CONFIG = ("-c", "core.quotePath=false", "-c", "core.fsmonitor=false")


class GitError(Exception):
    """git could not be started or exited non-zero; the message is git's own last line(s)."""

    def __init__(self, args: tuple[str, ...], why: str) -> None:
        super().__init__(f"git {' '.join(args[:2])} failed: {why}")
        self.args_ = args
        self.why = why


def run_git(runner: Runner, cwd: Path, *args: str, stdin: bytes | None = None,
            timeout: float = 120.0) -> ProcResult:
    """Run git in cwd and return what it did (never raises for a git failure)."""
    return runner.run(Invocation(("git", *GIT_CONFIG, *args), cwd, timeout, env=GIT_ENV), stdin=stdin)


def git_bytes(runner: Runner, cwd: Path, *args: str, stdin: bytes | None = None,
              timeout: float = 120.0) -> bytes:
    """git's standard output; GitError when it could not run or exited non-zero."""
    res = run_git(runner, cwd, *args, stdin=stdin, timeout=timeout)
    if res.error or res.returncode != 0:
        raise GitError(args, " ".join((res.stderr_tail() or res.error or f"exit {res.returncode}").split()))
    return res.stdout


def git_text(runner: Runner, cwd: Path, *args: str, timeout: float = 120.0) -> str:
    """git's standard output as text (undecodable bytes kept as surrogates, like file names)."""
    return git_bytes(runner, cwd, *args, timeout=timeout).decode("utf-8", "surrogateescape")


def is_available(runner: Runner) -> bool:
    """Whether a git executable can be found."""
    return runner.which("git") is not None
