"""A dependency read from a manifest or lock file, and one that could not be audited."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple


@dataclass(frozen=True)
class Dep:
    """One pinned dependency: name and exact version, where it was declared, and how it is reached."""

    name: str
    version: str
    ecosystem: str
    manifest: str  # path relative to the target, forward slashes
    line: int | None = None
    dev: bool = False
    dev_optional: bool = False
    path: tuple[str, ...] = ()  # npm: the chain of packages from the project to this one


class Skipped(NamedTuple):
    """A dependency (or include) that was not audited, and why: a (name, reason) pair."""

    name: str
    reason: str
