"""Version ordering per ecosystem: ``packaging`` for PyPI, ``semver`` (SemVer 2.0) for npm.

No hand-written comparison: every ordering here is one of the two libraries'.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

import semver
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

PYPI = "PyPI"
NPM = "npm"

#: Ecosystem words seen in findings (OSV, pip-audit, npm audit, Trivy) -> the OSV ecosystem name.
ECOSYSTEM_ALIASES: dict[str, str] = {
    "pypi": PYPI, "pip": PYPI, "python": PYPI, "python-pkg": PYPI, "poetry": PYPI, "pipenv": PYPI, "uv": PYPI,
    "npm": NPM, "node": NPM, "nodejs": NPM, "node-pkg": NPM, "javascript": NPM, "yarn": NPM, "pnpm": NPM,
}

#: Scanner names whose findings are of one ecosystem when the finding does not say.
SOURCE_ECOSYSTEM: dict[str, str] = {"pip-audit": PYPI, "npm-audit": NPM}

VersionKey = Callable[[str], Any]


def norm_ecosystem(word: str | None, sources: Iterable[str] = ()) -> str | None:
    """The OSV ecosystem name ("PyPI", "npm") for a finding's word or sources, else the word itself."""
    if word:
        base = word.split(":", 1)[0].strip()
        return ECOSYSTEM_ALIASES.get(base.lower(), base)
    for src in sources:
        if src in SOURCE_ECOSYSTEM:
            return SOURCE_ECOSYSTEM[src]
    return None


def norm_name(ecosystem: str | None, name: str) -> str:
    """Index key of a package name: PEP 503 for PyPI, lower case otherwise (npm)."""
    if ecosystem == PYPI:
        return str(canonicalize_name(name))
    return name.strip().lower()


@lru_cache(maxsize=65536)
def pypi_version(text: str) -> Version | None:
    """A PEP 440 version, or None."""
    try:
        return Version(text.strip())
    except (InvalidVersion, TypeError):
        return None


@lru_cache(maxsize=65536)
def npm_version(text: str) -> semver.Version | None:
    """A SemVer 2.0 version (a leading "v" or "=" is accepted, as npm does), or None."""
    if not isinstance(text, str):
        return None
    t = text.strip()
    if t[:1] in ("v", "="):
        t = t[1:].strip()
    try:
        return semver.Version.parse(t)
    except (ValueError, TypeError):
        return None


def key_function(ecosystem: str | None) -> VersionKey | None:
    """The parser whose results order versions of this ecosystem (None: unknown ecosystem)."""
    if ecosystem == PYPI:
        return pypi_version
    if ecosystem == NPM:
        return npm_version
    return None


def key_for_all(ecosystem: str | None, versions: Iterable[str]) -> VersionKey | None:
    """A parser that reads every one of versions: the ecosystem's own, else packaging, else semver."""
    vs = list(versions)
    own = key_function(ecosystem)
    candidates = [own] if own is not None else [pypi_version, npm_version]
    for fn in candidates:
        if all(fn(v) is not None for v in vs):
            return fn
    return None


def sort_versions(ecosystem: str | None, versions: Iterable[str]) -> list[str]:
    """Distinct versions in ascending order (input order kept when they cannot all be read)."""
    vs = list(dict.fromkeys(v for v in versions if v))
    fn = key_for_all(ecosystem, vs)
    return sorted(vs, key=fn) if fn is not None else vs
