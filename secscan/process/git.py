"""git, started one way everywhere: no prompt, no pager, no fsmonitor hook, paths printed unquoted.

The scanned tree is untrusted: nothing here lets a repository's configuration start a program (the
fsmonitor hook is switched off; diffs are asked for with --no-ext-diff/--no-textconv by their callers).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
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


def object_sizes(runner: Runner, cwd: Path, oids: Sequence[str], timeout: float = 600.0
                 ) -> dict[str, tuple[str, int]]:
    """oid -> (type, size) of each object git has (``cat-file --batch-check``); missing ones are left out."""
    out = git_bytes(runner, cwd, "cat-file", "--batch-check=%(objectname) %(objecttype) %(objectsize)",
                    stdin="".join(f"{o}\n" for o in oids).encode("ascii"), timeout=timeout)
    sizes: dict[str, tuple[str, int]] = {}
    for line in out.decode("ascii", "replace").splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2].isdigit():
            sizes[parts[0]] = (parts[1], int(parts[2]))
    return sizes


def cat_blobs(runner: Runner, cwd: Path, oids: Sequence[str], timeout: float = 600.0
              ) -> Iterator[tuple[str, bytes | None]]:
    """Stream the content of each object, in order, through one ``git cat-file --batch`` (no checkout, no
    filter: the bytes as committed); (oid, None) when git does not have it. GitError when git cannot start,
    exits non-zero or takes longer than timeout in all."""
    args = ("cat-file", "--batch")
    started = runner.open_stream(Invocation(("git", *GIT_CONFIG, *args), cwd, timeout, env=GIT_ENV))
    if isinstance(started, str):
        raise GitError(args, started)
    proc, deadline = started, time.monotonic() + timeout
    feed = threading.Thread(target=_feed, args=(proc.stdin, oids), daemon=True)
    feed.start()
    done = False
    try:
        assert proc.stdout is not None
        for _ in oids:
            header = proc.stdout.readline().split()
            if len(header) == 2 and header[1] == b"missing":
                yield header[0].decode("ascii", "replace"), None
                continue
            if len(header) != 3 or not header[2].isdigit():
                raise GitError(args, f"unexpected answer {b' '.join(header)[:80]!r}")
            data = proc.stdout.read(int(header[2]))
            proc.stdout.read(1)  # the newline after the content
            if len(data) != int(header[2]):
                raise GitError(args, "output ended early")
            yield header[0].decode("ascii"), data
            if time.monotonic() > deadline:
                raise GitError(args, f"timed out after {timeout:g} s")
        done = True
    finally:
        code, err = runner.close_stream(proc, timeout=5.0 if done else 0.0)
        feed.join(timeout=1.0)
    if code != 0:
        why = " ".join(err.decode("utf-8", "replace").split())[-300:]
        raise GitError(args, why or f"exit {code}")


def _feed(pipe: object, oids: Sequence[str]) -> None:
    """Write the object ids to cat-file's stdin, then close it (a closed reader ends it quietly)."""
    try:
        for i in range(0, len(oids), 512):
            pipe.write("".join(f"{o}\n" for o in oids[i:i + 512]).encode("ascii"))  # type: ignore[attr-defined]
        pipe.close()  # type: ignore[attr-defined]
    except (OSError, ValueError):
        return
