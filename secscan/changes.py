"""``--changed-since REF``: which files and lines changed since a git revision (committed, staged,
unstaged and untracked alike; renames followed)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from secscan.errors import UsageError
from secscan.model import Category, Finding
from secscan.run.runner import Runner
from secscan.scanners.interface import Invocation

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
DEPENDENCY_FILES = ("requirements", "pyproject.toml", "poetry.lock", "uv.lock", "Pipfile", "package.json",
                    "package-lock.json", "npm-shrinkwrap.json", "pylock.toml", "setup.py", "setup.cfg")


@dataclass
class Changes:
    """Changed lines per file (None: the whole file is new)."""

    lines: dict[str, set[int] | None] = field(default_factory=dict)

    def touches(self, f: Finding) -> bool:
        """Whether the finding is in changed code (or a changed manifest, for dependencies)."""
        if f.package is not None and f.category in (Category.DEPENDENCY, Category.CONTAINER):
            if f.package.manifest:
                return f.package.manifest in self.lines
            return any(Path(p).name.startswith(DEPENDENCY_FILES) for p in self.lines)
        if f.location is None:
            return True  # not tied to code (pqc, mtls): always counts
        path = f.location.path
        if path not in self.lines:
            return False
        changed = self.lines[path]
        if changed is None or f.location.start_line is None:
            return True
        end = f.location.end_line or f.location.start_line
        return any(line in changed for line in range(f.location.start_line, end + 1))


def _git(runner: Runner, cwd: Path, *args: str) -> str:
    res = runner.run(Invocation(("git", *args), cwd, 60.0, env={"GIT_TERMINAL_PROMPT": "0"}))
    if res.error or res.returncode != 0:
        raise UsageError(f"git {' '.join(args)} failed: {res.stderr_tail() or res.error}")
    return res.stdout.decode("utf-8", "surrogateescape")


def collect(target: Path, ref: str, runner: Runner | None = None) -> Changes:
    """Ask git what changed between REF and the working tree of target."""
    runner = runner or Runner()
    top = Path(_git(runner, target, "rev-parse", "--show-toplevel").strip())
    res = runner.run(Invocation(("git", "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"), target, 30.0))
    if res.returncode != 0:
        raise UsageError(f"--changed-since: git does not know the revision {ref!r}")
    diff = _git(runner, top, "diff", "--no-color", "--no-ext-diff", "-M", "--unified=0", ref, "--")
    changes = Changes()
    prefix = str(target.resolve().relative_to(top.resolve())).strip(".")
    current: str | None = None
    for line in diff.splitlines():
        if line.startswith("+++ "):
            name = line[4:]
            current = None if name == "/dev/null" else name.removeprefix("b/")
            if current is not None:
                changes.lines.setdefault(current, set())
        elif current is not None and (m := _HUNK.match(line)):
            start, count = int(m.group(1)), int(m.group(2) or "1")
            entry = changes.lines.get(current)
            if entry is not None:
                entry.update(range(start, start + count))
    for name in _git(runner, top, "ls-files", "--others", "--exclude-standard").splitlines():
        changes.lines[name] = None
    if prefix:
        pre = prefix.strip("/") + "/"
        changes.lines = {k.removeprefix(pre): v for k, v in changes.lines.items() if k.startswith(pre)}
    return changes


def mark(findings: Sequence[Finding], changes: Changes) -> list[Finding]:
    """Findings outside the change are pre-existing: reported, but they do not count for the gate."""
    return [f if changes.touches(f) else f.with_(pre_existing=True) for f in findings]
