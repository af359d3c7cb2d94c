"""``--changed-since REF``: which files and lines changed since a git revision (committed, staged,
unstaged and untracked alike; renames followed)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from secscan.core.errors import UsageError
from secscan.core.model import Category, Finding, Location
from secscan.core.provenance import Place
from secscan.process.git import GitError, git_text, run_git
from secscan.process.runner import Runner

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}
DEPENDENCY_FILES = ("requirements", "pyproject.toml", "poetry.lock", "uv.lock", "Pipfile", "package.json",
                    "package-lock.json", "npm-shrinkwrap.json", "pylock.toml", "setup.py", "setup.cfg",
                    "yarn.lock", "pnpm-lock.yaml", "constraints")
PACKAGE_CATEGORIES = (Category.DEPENDENCY, Category.CONTAINER, Category.LICENSE)
#: Files that pin what a manifest in the same folder declares: a change to either counts for both.
MANIFEST_FAMILIES = (
    frozenset({"pyproject.toml", "poetry.lock", "uv.lock", "pylock.toml", "setup.py", "setup.cfg"}),
    frozenset({"Pipfile", "Pipfile.lock"}),
    frozenset({"package.json", "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml"}),
)


def _family(name: str) -> frozenset[str]:
    return next((fam for fam in MANIFEST_FAMILIES if name in fam), frozenset({name}))


@dataclass
class Changes:
    """Changed lines per file (None: the whole file is new), and folders changed as a whole (a submodule the
    change adds or moves to another commit: every file under it counts as changed)."""

    lines: dict[str, set[int] | None] = field(default_factory=dict)
    trees: set[str] = field(default_factory=set)

    def _in_tree(self, path: str) -> bool:
        return any(path.startswith(t + "/") for t in self.trees)

    def manifest_changed(self, manifest: str) -> bool:
        """Whether a manifest, or the lock file or manifest paired with it in the same folder, changed."""
        path = PurePosixPath(manifest)
        family = _family(path.name)
        return self._in_tree(manifest) or any(
            PurePosixPath(p).parent == path.parent and PurePosixPath(p).name in family for p in self.lines)

    def touches(self, f: Finding) -> bool:
        """Whether the finding is in changed code (or a changed manifest, for dependencies)."""
        if f.package is not None and f.category in PACKAGE_CATEGORIES:
            manifest = f.package.manifest or (f.location.path if f.location and f.location.path else None)
            if manifest:
                return self.manifest_changed(manifest)
            # the manifest is unknown: count it when any dependency file changed (never hide it)
            return any(PurePosixPath(p).name.startswith(DEPENDENCY_FILES) for p in self.lines)
        if f.location is None or not f.location.path:
            return True  # not tied to code (pqc, mtls): always counts
        if f.history is not None and f.history.after:
            return True  # found in the commits after REF (--history with --changed-since): in the change
        if len(f.places) > 1:  # one secret at several places: any of them counts
            return any(self.touches(_at(f, p)) for p in f.places)
        path = f.location.path
        if self._in_tree(path):
            return True
        if path not in self.lines:
            return False
        changed = self.lines[path]
        if changed is None or f.location.start_line is None:
            return True
        end = max(f.location.end_line or f.location.start_line, f.location.start_line)
        return any(line in changed for line in range(f.location.start_line, end + 1))


def _at(f: Finding, place: Place) -> Finding:
    """The finding at one of its places (a secret listed at several)."""
    return f.with_(location=Location(place.path, place.start_line, place.end_line), places=())


def unquote(name: str) -> str:
    """A path as git prints it in a patch header (C-quoted when unusual, tab-terminated with spaces)."""
    name = name.rstrip("\t")
    if not (len(name) >= 2 and name[0] == name[-1] == '"'):
        return name
    out = bytearray()
    body, i = name[1:-1], 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if re.fullmatch(r"[0-7]{3}", body[i + 1:i + 4]):
                out.append(int(body[i + 1:i + 4], 8) & 0xFF)
                i += 4
                continue
            out.append(_ESCAPES.get(nxt, ord(nxt) if nxt.isascii() else 63))
            i += 2
            continue
        out += ch.encode("utf-8", "surrogateescape")
        i += 1
    return out.decode("utf-8", "surrogateescape")


def _git(runner: Runner, cwd: Path, *args: str) -> str:
    try:
        return git_text(runner, cwd, *args)
    except GitError as exc:
        raise UsageError(str(exc)) from None


def _hunks(diff: str) -> dict[str, set[int] | None]:
    """Added or changed line numbers (new side) per file, from a --unified=0 patch."""
    lines: dict[str, set[int] | None] = {}
    current: str | None = None
    for line in diff.splitlines():
        if line.startswith("+++ "):
            name = unquote(line[4:])
            current = None if name == "/dev/null" else name.removeprefix("b/")
            if current is not None:
                lines.setdefault(current, set())
        elif current is not None and (m := _HUNK.match(line)):
            start, count = int(m.group(1)), int(m.group(2) or "1")
            entry = lines.get(current)
            if entry is not None:
                entry.update(range(start, start + count))
    return lines


def _whole_files(status: str, known: dict[str, set[int] | None]) -> dict[str, set[int] | None]:
    """Files a patch shows no lines for (binary, new empty): whole file; pure renames change nothing."""
    out: dict[str, set[int] | None] = {}
    parts = status.split("\0")
    i = 0
    while i < len(parts) - 1:
        code = parts[i]
        if code[:1] in ("R", "C"):
            new, i = parts[i + 2], i + 3
            if code[1:] == "100":
                continue
        else:
            new, i = parts[i + 1], i + 2
        if code[:1] != "D" and new not in known:
            out[new] = None
    return out


def collect(target: Path, ref: str, runner: Runner | None = None) -> Changes:
    """Ask git what changed between REF and the working tree of target (exit 2 when REF is unknown)."""
    runner = runner or Runner()
    folder = target if target.is_dir() else target.parent
    res = run_git(runner, folder, "rev-parse", "--show-toplevel", timeout=30.0)
    if res.error or res.returncode != 0:
        raise UsageError(f"--changed-since: {folder} is not inside a git work tree")
    top = Path(res.stdout.decode("utf-8", "surrogateescape").strip())
    res = run_git(runner, folder, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}",
                  timeout=30.0)
    if ref.startswith("-") or res.returncode != 0:
        raise UsageError(f"--changed-since: git does not know the revision {ref!r}")
    base = res.stdout.decode().strip()
    diff = _git(runner, top, "diff", "--no-color", "--no-ext-diff", "--no-textconv", "-M", "--unified=0",
                base, "--")
    changes = Changes(_hunks(diff))
    status = _git(runner, top, "diff", "--no-ext-diff", "--name-status", "-z", "-M", base, "--")
    changes.lines.update(_whole_files(status, changes.lines))
    for name in _git(runner, top, "ls-files", "-z", "--others", "--exclude-standard").split("\0"):
        if name:
            changes.lines[name] = None
    changes.trees = _submodules(_git(runner, top, "diff", "--no-ext-diff", "--raw", "-z", base, "--"))
    rel = folder.resolve().relative_to(top.resolve()).as_posix()
    if rel != ".":
        pre = rel.strip("/") + "/"
        changes.lines = {k.removeprefix(pre): v for k, v in changes.lines.items() if k.startswith(pre)}
        changes.trees = {t.removeprefix(pre) for t in changes.trees if t.startswith(pre)}
    return changes


GITLINK = "160000"


def _submodules(raw: str) -> set[str]:
    """Submodules the change adds or points at another commit (``git diff --raw -z``: new mode 160000)."""
    out: set[str] = set()
    parts = raw.split("\0")
    i = 0
    while i < len(parts) - 1:
        header = parts[i].split()
        if len(header) < 5:
            i += 1
            continue
        status, paths = header[4], 2 if header[4][:1] in ("R", "C") else 1
        names = parts[i + 1:i + 1 + paths]
        if header[1] == GITLINK and status[:1] != "D" and names:
            out.add(names[-1])
        i += 1 + paths
    return out


def mark(findings: Sequence[Finding], changes: Changes) -> list[Finding]:
    """Findings outside the change are pre-existing: reported, but they do not count for the gate."""
    return [f if changes.touches(f) else f.with_(pre_existing=True) for f in findings]


def _line_changed(changes: Changes, path: str, line: Any) -> bool:
    if changes._in_tree(path):
        return True
    if path not in changes.lines:
        return False
    changed = changes.lines[path]
    return changed is None or (isinstance(line, int) and line in changed)


def unhonoured_markers(findings: Sequence[Finding], changes: Changes) -> tuple[list[Finding], list[str]]:
    """A tool's inline marker without a reason (``# nosec``, ``# nosemgrep``) on a line the change adds or
    edits is not honoured: the finding is neither suppressed nor pre-existing, and counts for the gate."""
    from secscan.results.triage import NATIVE_REASON, native_markers

    out: list[Finding] = []
    dropped: list[str] = []
    for f in findings:
        sup, path = f.suppression, f.location.path if f.location else None
        marks = native_markers(f) if sup is not None and sup.reason.startswith(NATIVE_REASON) else None
        if not marks or path is None or not any(_line_changed(changes, path, m.line) for m in marks):
            out.append(f)
            continue
        where = sup.source if sup is not None and sup.source else path
        props = {**f.properties, "native_marker_not_honoured": f"the change adds {where} without a reason"}
        out.append(f.with_(suppressed=False, suppression=None, pre_existing=False, properties=props))
        dropped.append(where)
    if not dropped:
        return out, []
    shown = "; ".join(dropped[:5]) + (f" (+{len(dropped) - 5} more)" if len(dropped) > 5 else "")
    return out, [f"{len(dropped)} inline marker(s) without a reason on changed lines were not honoured: "
                 f"{shown}; those findings count. Give a reason with `# secscan: ignore[RULE] reason`"]
