"""What a change does to the tree's ``[tool.secscan]``: each gate-weakening setting it adds or loosens,
compared with the same pyproject.toml at a git revision (``--changed-since REF``; for ``--strict`` without it,
a CI pull request's base, else HEAD).

With ``--changed-since`` those settings become findings of their own (``secscan.config-weakened``); with
``--strict`` the change's part of them is ignored: each takes its value at the reference (the default when the
reference has none), keeping whatever the change made stricter.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from secscan.config.load import Config, parse
from secscan.core.errors import UsageError
from secscan.core.model import FAIL_ON_CHOICES
from secscan.core.options import Source
from secscan.process.git import GitError, git_bytes, git_text, run_git
from secscan.process.runner import Runner

SEVERITY_RANK = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
LOOSENESS = {level: i for i, level in enumerate(reversed(FAIL_ON_CHOICES[:-1]))} | {"never": 99}
#: The CI variables that name a pull request's base (GitHub Actions, GitLab merge request pipelines).
CI_BASES = (("GITHUB_BASE_REF", "origin/{}"), ("CI_MERGE_REQUEST_DIFF_BASE_SHA", "{}"))


def toml(value: Any) -> str:
    """A value as TOML shows it (for the report's one-line descriptions)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{k} = {toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml(v) for v in value) + "]"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


@dataclass(frozen=True)
class Loosened:
    """What the change adds or loosens in one setting, and the value --strict keeps instead."""

    what: str  # "adds exclude = [\"app.py\"]"
    strict: Any  # the tree's value without the change's loosening (None: the key as if absent)


Compare = Callable[[str, Any, Any, Any], Loosened | None]  # (key, old or None, new, default)


def _list(key: str, old: Any, new: Any, default: Any) -> Loosened | None:
    """Exclusions, ignores, suppressions: entries the change adds."""
    before = list(old or ())
    added = [e for e in new if e not in before]
    if not added:
        return None
    kept = [e for e in new if e in before]
    return Loosened(f"adds {key} = {toml(added)}", tuple(kept) if kept else None)


def _scanners(key: str, old: Any, new: Any, default: Any) -> Loosened | None:
    """Scanner selection: scanners the reference ran that the change leaves out."""
    if new is None:
        return None
    if old is None:
        return Loosened(f"adds {key} = {toml(new)} (only these scanners run)", None)
    dropped = [n for n in old if n not in new]
    if not dropped:
        return None
    return Loosened(f"drops {toml(dropped)} from {key}", tuple(dict.fromkeys((*old, *new))))


def _severity(key: str, old: Any, new: Any, default: Any) -> Loosened | None:
    """Severity overrides the change adds, or lowers."""
    before = dict(old or {})
    added = {r: lv for r, lv in new.items() if r not in before}
    lowered = {r: lv for r, lv in new.items() if r in before and SEVERITY_RANK[lv] < SEVERITY_RANK[before[r]]}
    if not added and not lowered:
        return None
    parts = [f"adds {key} = {toml(added)}"] if added else []
    parts += [f"lowers {key}.{r} from {toml(before[r])} to {toml(lv)}" for r, lv in lowered.items()]
    kept = {r: (before[r] if r in lowered else lv) for r, lv in new.items() if r in before}
    return Loosened("; ".join(parts), kept or None)


def _fail_on(key: str, old: Any, new: Any, default: Any) -> Loosened | None:
    before = old or default
    if LOOSENESS[new] <= LOOSENESS[before]:
        return None
    verb, since = ("raises", f"from {toml(old)} ") if old else ("sets", "")
    return Loosened(f"{verb} {key} {since}to {toml(new)}", old)


def _turned(on: bool) -> Compare:
    """A flag whose ``on`` value weakens the gate (allow_incomplete, offline; canary = false)."""
    def compare(key: str, old: Any, new: Any, default: Any) -> Loosened | None:
        before = default if old is None else old
        if new is not on or before is on:
            return None
        return Loosened(f"sets {key} = {toml(new)}", old)
    return compare


def _timeout(key: str, old: Any, new: Any, default: Any) -> Loosened | None:
    before = default if old is None else old
    if new >= before:
        return None
    return Loosened(f"lowers {key} from {toml(before)} to {toml(new)} seconds", old)


def _timeouts(key: str, old: Any, new: Any, default: Any) -> Loosened | None:
    """Per-scanner timeouts the change adds or lowers (compared with the reference's, else the timeout)."""
    before = dict(old or {})
    lowered = {n: s for n, s in new.items() if s < before.get(n, default)}
    if not lowered:
        return None
    kept = {n: (before[n] if n in lowered else s) for n, s in new.items() if n in before or n not in lowered}
    return Loosened(f"sets {key} = {toml(lowered)} (lower than before)", kept or None)


COMPARE: dict[str, Compare] = {
    "exclude": _list, "ignore": _list, "suppress": _list, "scanners": _scanners, "severity": _severity,
    "fail_on": _fail_on, "allow_incomplete": _turned(True), "offline": _turned(True),
    "canary": _turned(False), "gate_tests": _turned(False),
    "timeout": _timeout, "timeouts": _timeouts,
}


def compare(ref: Config, tree: Config, keys: Sequence[str],
            defaults: Mapping[str, Any]) -> dict[str, Loosened]:
    """key -> what the change adds or loosens in it (only the keys asked for; unchanged ones are left out)."""
    out = {}
    for key in keys:
        if key not in tree.values or key not in COMPARE:
            continue
        default = defaults.get(key)
        if key == "timeouts":
            default = ref.values.get("timeout", defaults.get("timeout"))
        found = COMPARE[key](key, ref.values.get(key), tree.values[key], default)
        if found is not None:
            out[key] = found
    return out


def reference(changed_since: str | None, env: Mapping[str, str] | None = None) -> str:
    """The revision the tree's configuration is compared with: --changed-since, else the pull request's
    base that the CI names, else HEAD (what is committed)."""
    if changed_since:
        return changed_since
    env = os.environ if env is None else env
    for name, form in CI_BASES:
        if env.get(name, "").strip():
            return form.format(env[name].strip())
    return "HEAD"


def _resolve(root: Path, ref: str, runner: Runner) -> tuple[Path, str]:
    """(the work tree's top folder, REF's commit); UsageError (one line) when git cannot tell."""
    res = run_git(runner, root, "rev-parse", "--show-toplevel", timeout=30.0)
    if res.error or res.returncode != 0:
        raise UsageError(f"{root} is not inside a git work tree")
    top = Path(res.stdout.decode("utf-8", "surrogateescape").strip()).resolve()
    res = run_git(runner, root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}",
                  timeout=30.0)
    if ref.startswith("-") or res.error or res.returncode != 0:
        raise UsageError(f"git does not know the revision {ref!r}")
    return top, res.stdout.decode().strip()


def texts_at(root: Path, ref: str, paths: Sequence[Path], runner: Runner | None = None) -> dict[Path, str]:
    """The texts of these files at REF, as stored (no filters, no textconv; nothing of them runs); a file
    absent at REF is left out. UsageError (one line) when git cannot tell or a file is unreadable there."""
    runner = runner or Runner()
    top, commit = _resolve(root, ref, runner)
    out = {}
    for path in paths:
        try:
            rel = path.resolve().relative_to(top).as_posix()
            if not git_text(runner, top, "ls-tree", "-z", commit, "--", rel, timeout=30.0).strip("\0"):
                continue
            text = git_bytes(runner, top, "cat-file", "blob", f"{commit}:{rel}", timeout=30.0)
        except (GitError, ValueError) as exc:
            raise UsageError(f"cannot read {path.name} at {ref}: {exc}") from None
        try:
            out[path] = text.decode("utf-8")
        except UnicodeDecodeError:
            raise UsageError(f"{rel} at {ref} is not UTF-8") from None
    return out


def at_reference(tree: Config, root: Path, ref: str, runner: Runner | None = None) -> Config:
    """The [tool.secscan] of the tree's pyproject.toml at REF (empty when the file or table is absent there).

    UsageError (one line) when git cannot tell: not a git work tree, an unknown revision, an unreadable or
    invalid file at REF. git reads the blob as stored (no filters, no textconv); nothing of it runs.
    """
    path = (tree.source or root / "pyproject.toml").resolve()
    text = texts_at(root, ref, [path], runner).get(path)
    return Config(path, {}, Source.TREE) if text is None else parse(text, path, Source.TREE)
