"""Python lock files: poetry.lock, uv.lock, Pipfile.lock and PEP 751 pylock.toml.

Each reader is pure (text in, dependencies out) and raises ValueError when the file is not what its
name says. Packages that do not come from a package index (git, local paths, editable projects) are
reported as skipped, with the reason; the project itself (uv's editable/virtual root) is left out.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable
from typing import Any

from secscan.analyzers.advisories.deps import Dep, Skipped
from secscan.analyzers.advisories.versions import PYPI

Reader = Callable[[str, str], tuple[list[Dep], list[Skipped]]]


def _toml(text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"invalid TOML: {exc}") from None


def table(data: dict[str, Any], key: str) -> dict[str, Any]:
    """data[key] when it is a table, else an empty one."""
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _line_of(text: str, name: str) -> int | None:
    """Line of the first ``name = "<name>"`` (lock files list each package once)."""
    pat = re.compile(rf'^\s*name\s*=\s*"{re.escape(name)}"\s*$', re.MULTILINE)
    m = pat.search(text)
    return text.count("\n", 0, m.start()) + 1 if m else None


def _packages(data: dict[str, Any], key: str) -> list[dict[str, Any]]:
    items = data.get(key)
    if not isinstance(items, list):
        raise ValueError(f"no [[{key}]] tables")
    return [p for p in items if isinstance(p, dict) and isinstance(p.get("name"), str)]


def read_poetry_lock(text: str, manifest: str) -> tuple[list[Dep], list[Skipped]]:
    """poetry.lock: every [[package]]; dev from ``category = "dev"`` or groups without "main"."""
    deps: list[Dep] = []
    skipped: list[Skipped] = []
    for pkg in _packages(_toml(text), "package"):
        name, version = pkg["name"], pkg.get("version")
        source = table(pkg, "source")
        kind = source.get("type")
        if kind in ("git", "directory", "file", "url"):
            skipped.append(Skipped(name, f"not from a package index ({kind} source)"))
        elif not isinstance(version, str) or not version:
            skipped.append(Skipped(name, "no version in poetry.lock"))
        else:
            groups = pkg.get("groups") if isinstance(pkg.get("groups"), list) else None
            dev = pkg.get("category") == "dev" or (groups is not None and "main" not in groups)
            deps.append(Dep(name, version, PYPI, manifest, _line_of(text, name), dev))
    return deps, skipped


def read_uv_lock(text: str, manifest: str) -> tuple[list[Dep], list[Skipped]]:
    """uv.lock: every [[package]] from a registry; the editable/virtual project itself is not a dependency."""
    deps: list[Dep] = []
    skipped: list[Skipped] = []
    for pkg in _packages(_toml(text), "package"):
        name, version = pkg["name"], pkg.get("version")
        source = table(pkg, "source")
        if "editable" in source or "virtual" in source:
            continue
        other = next((k for k in ("git", "url", "path", "directory") if k in source), None)
        if other:
            skipped.append(Skipped(name, f"not from a package index ({other} source)"))
        elif not isinstance(version, str) or not version:
            skipped.append(Skipped(name, "no version in uv.lock"))
        else:
            deps.append(Dep(name, version, PYPI, manifest, _line_of(text, name)))
    return deps, skipped


def read_pipfile_lock(text: str, manifest: str) -> tuple[list[Dep], list[Skipped]]:
    """Pipfile.lock: the "default" and "develop" (dev) sections, versions written ``==x``."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ValueError(f"invalid JSON: {exc}") from None
    if not isinstance(data, dict) or not any(isinstance(data.get(k), dict) for k in ("default", "develop")):
        raise ValueError("no 'default' or 'develop' section (not a Pipfile.lock?)")
    deps: list[Dep] = []
    skipped: list[Skipped] = []
    for section, dev in (("default", False), ("develop", True)):
        items = data.get(section)
        for name, spec in (items.items() if isinstance(items, dict) else []):
            spec = spec if isinstance(spec, dict) else {}
            version = spec.get("version")
            other = next((k for k in ("git", "path", "file", "editable") if spec.get(k)), None)
            if other:
                skipped.append(Skipped(name, f"not from a package index ({other})"))
            elif isinstance(version, str) and version.startswith("==") and "*" not in version:
                deps.append(Dep(name, version[2:].strip(), PYPI, manifest, None, dev))
            else:
                skipped.append(Skipped(name, f"not pinned: {version or 'no version'}"))
    return deps, skipped


def read_pylock(text: str, manifest: str) -> tuple[list[Dep], list[Skipped]]:
    """PEP 751 pylock.toml: every [[packages]] with a version and no vcs/directory source."""
    data = _toml(text)
    if "lock-version" not in data:
        raise ValueError("no lock-version (not a PEP 751 pylock.toml?)")
    deps: list[Dep] = []
    skipped: list[Skipped] = []
    for pkg in _packages(data, "packages"):
        name, version = pkg["name"], pkg.get("version")
        other = next((k for k in ("vcs", "directory") if k in pkg), None)
        if other:
            skipped.append(Skipped(name, f"not from a package index ({other})"))
        elif not isinstance(version, str) or not version:
            skipped.append(Skipped(name, "no version in pylock.toml"))
        else:
            deps.append(Dep(name, version, PYPI, manifest, _line_of(text, name)))
    return deps, skipped


def reader_for(filename: str) -> Reader | None:
    """The reader of a lock file name, or None."""
    if filename == "poetry.lock":
        return read_poetry_lock
    if filename == "uv.lock":
        return read_uv_lock
    if filename == "Pipfile.lock":
        return read_pipfile_lock
    if filename == "pylock.toml" or (filename.startswith("pylock.") and filename.endswith(".toml")):
        return read_pylock
    return None
