"""The online npm audit canary: a vulnerable package added to a private copy of the lockfile.

npm audit audits the lockfile of the folder it runs in, so the canary cannot be a file beside the real
targets. Instead the lockfile folder's ``package.json``, ``.npmrc`` (the project's registry and auth
settings) and lockfile are copied to a private temporary folder, and the copy of the lockfile (and of
``package.json``) gains one production dependency at a version with a long-published advisory. npm audit
then runs once, in that folder, on the real dependencies plus the canary: what breaks the real audit (an
endpoint that answers nothing, a wrapper that swallows npm, a registry setting that hides advisories)
breaks the canary too, at no extra process start. The target's own files are never modified.

The canary package is the first candidate whose name appears nowhere in the lockfile, so no real finding
can be taken for the canary's (npm reports by package name).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from secscan.analyzers.advisories.npm_lockfile import parse_lockfile
from secscan.core.errors import ParseError
from secscan.core.model import Finding

EXPECTED = "npm-canary"
COPIED = ("package.json", ".npmrc")


@dataclass(frozen=True)
class NpmCanary:
    """A package version with a published advisory (GitHub advisory id)."""

    name: str
    version: str
    advisory: str

    @property
    def key(self) -> str:
        """name@version."""
        return f"{self.name}@{self.version}"


CANDIDATES = (
    NpmCanary("lodash", "4.17.20", "GHSA-35jh-r3h4-6jhm"),  # CVE-2021-23337, < 4.17.21
    NpmCanary("minimist", "1.2.5", "GHSA-xvch-5gv4-984h"),  # CVE-2021-44906, < 1.2.6
    NpmCanary("ansi-regex", "5.0.0", "GHSA-93q8-gq69-wqmw"),  # CVE-2021-3807, >= 5.0.0 < 5.0.1
    NpmCanary("node-fetch", "2.6.0", "GHSA-r683-j2x4-v87g"),  # CVE-2022-0235, < 2.6.7
    NpmCanary("json5", "2.2.1", "GHSA-9c47-m6qq-7p4h"),  # CVE-2022-46175, >= 2.0.0 < 2.2.2
    NpmCanary("ws", "7.4.5", "GHSA-6fc8-4gx4-v693"),  # CVE-2021-32640, >= 7.0.0 < 7.4.6
    NpmCanary("qs", "6.5.2", "GHSA-hrpp-h998-j3pp"),  # CVE-2022-24999, < 6.5.3
    NpmCanary("axios", "0.21.0", "GHSA-4w2v-q235-vp99"),  # CVE-2020-28168, < 0.21.1
)
CANDIDATE_NAMES = frozenset(c.name for c in CANDIDATES)


def pick(lock_text: bytes, source: str) -> NpmCanary | None:
    """The first candidate that the lockfile does not hold under any install location (None: all are there,
    or the lockfile cannot be read; npm audit then reports its own error)."""
    try:
        _version, entries, roots = parse_lockfile(lock_text, source)
    except ParseError:
        return None
    present = {e.name for e in entries.values()} | set(roots or ())
    return next((c for c in CANDIDATES if c.name not in present), None)


def _add_dependency(data: dict[str, Any], canary: NpmCanary) -> None:
    deps = data.get("dependencies")
    if not isinstance(deps, dict):
        deps = data["dependencies"] = {}
    deps[canary.name] = canary.version


def inject(lock: dict[str, Any], canary: NpmCanary) -> dict[str, Any]:
    """A copy of the lockfile data with the canary installed at the top level as a production dependency."""
    out = json.loads(json.dumps(lock))
    packages = out.get("packages")
    if isinstance(packages, dict):
        root = packages.get("")
        if not isinstance(root, dict):
            root = packages[""] = {}
        _add_dependency(root, canary)
        packages[f"node_modules/{canary.name}"] = {"version": canary.version}
    tree = out.get("dependencies")
    if isinstance(tree, dict) or not isinstance(packages, dict):  # lockfileVersion 1 (and 2's legacy tree)
        if not isinstance(tree, dict):
            tree = out["dependencies"] = {}
        tree[canary.name] = {"version": canary.version}
    return out


def prepare(folder: Path, lock_name: str, dest: Path, canary: NpmCanary | None, npmrc: bool = False) -> None:
    """Write into dest the copies npm audit runs on: package.json (with the canary dependency added) and the
    lockfile (with the canary), and the tree's .npmrc only when ``npmrc`` (its registry and auth settings
    decide what npm contacts and with which token: the caller must trust the tree). Raises OSError or
    ValueError."""
    lock = json.loads((folder / lock_name).read_text("utf-8"))
    if not isinstance(lock, dict):
        raise ValueError(f"{lock_name} is not a JSON object")
    for name in COPIED if npmrc else ("package.json",):
        if (folder / name).is_file():
            shutil.copy2(folder / name, dest / name)
    manifest = dest / "package.json"
    if manifest.is_file() and canary is not None:
        data = json.loads(manifest.read_text("utf-8"))
        if isinstance(data, dict):
            _add_dependency(data, canary)
            manifest.write_text(json.dumps(data, indent=2) + "\n", "utf-8")
    (dest / lock_name).write_text(json.dumps(inject(lock, canary) if canary else lock, indent=2) + "\n",
                                  "utf-8")


def split(findings: Sequence[Finding], canary: NpmCanary) -> tuple[list[Finding], list[Finding]]:
    """(the canary's findings, the real ones): the canary's name is absent from the real lockfile."""
    mine: list[Finding] = []
    real: list[Finding] = []
    for f in findings:
        (mine if f.package is not None and f.package.name == canary.name else real).append(f)
    return mine, real
