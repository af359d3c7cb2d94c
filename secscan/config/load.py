"""``[tool.secscan]`` in the target's pyproject.toml (or ``--config FILE``): validated, CLI options win.

The keys, their TOML types and their validation come from the option table (``secscan.config.declare``):
fail_on, scanners, require, exclude, severity (rule -> level), ignore (list of {rule, path?, reason}),
suppress (list, see the contract), timeout, timeouts (scanner -> seconds), offline, require_pqc, osv_db,
allow_incomplete, canary, jobs, and the check settings pqc_python, pqc_algs, mtls_target, mtls_ca, mtls_cert,
mtls_key, mtls_server_name, mtls_pq, mtls_require_pq, strict, trust_tree_config. Paths are relative to the
configuration file. A wrong key or value is a usage error (exit 2), never ignored.

The user-level configuration (``$SECSCAN_CONFIG``, else ``$XDG_CONFIG_HOME/secscan/config.toml`` or
``~/.config/secscan/config.toml``; ``[tool.secscan]`` or a top-level table) is trusted like ``--config``;
which source may give which setting is ``secscan.config.trust``'s business, not this module's.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from secscan.config.declare import BY_KEY
from secscan.config.values import Given
from secscan.core.errors import UsageError
from secscan.core.options import Source

#: [tool.secscan] key -> TOML type, derived from the option table.
KEYS: dict[str, type | tuple[type, ...]] = {key: opt.toml for key, opt in BY_KEY.items()}


@dataclass(frozen=True)
class Config:
    """The validated [tool.secscan] table (empty when there is none): key -> converted value."""

    source: Path | None = None
    values: dict[str, Any] = field(default_factory=dict)
    origin: Source = Source.TREE  # TREE: the target's pyproject.toml; CONFIG_FILE: --config; USER_CONFIG
    lines: dict[str, int] = field(default_factory=dict)  # key -> the line that sets it (when found)

    def get(self, key: str, default: Any = None) -> Any:
        """A configured value or default."""
        return self.values.get(key, default)

    def label(self, key: str) -> str:
        """How an error message names this key."""
        return f"{self.source}: {key}"


def _type_name(want: type | tuple[type, ...]) -> str:
    if isinstance(want, type):
        return want.__name__
    return "number" if set(want) == {int, float} else " or ".join(t.__name__ for t in want)


def _validate(table: dict[str, Any], path: Path) -> dict[str, Any]:
    """Known keys of the right TOML type, each converted (and validated) by its option."""
    out = {}
    for key, value in table.items():
        if key not in KEYS:
            known = ", ".join(sorted(KEYS))
            raise UsageError(f"{path}: unknown key {key!r} in [tool.secscan] (known: {known})")
        want = KEYS[key]
        bool_ok = want is bool or (isinstance(want, tuple) and bool in want)  # history: true or a range
        if (isinstance(value, bool) and not bool_ok) or not isinstance(value, want):
            raise UsageError(f"{path}: {key} must be a {_type_name(want)}, not {value!r}")
        out[key] = BY_KEY[key].convert(value, Given(f"{path}: {key}", path.parent))
    return out


def _table(data: dict[str, Any], path: Path, explicit: bool) -> Any:
    """[tool.secscan] of a pyproject.toml; a --config file may also hold the keys at its top level."""
    tool = data.get("tool")
    if tool is not None and not isinstance(tool, dict):
        raise UsageError(f"{path}: [tool] must be a table")
    if path.name == "pyproject.toml" or tool is not None:
        table = (tool or {}).get("secscan")
        if table is None and explicit:
            raise UsageError(f"--config {path}: no [tool.secscan] table in it")
        return table
    return data


def load(target: Path, explicit: Path | None = None) -> Config:
    """Read the configuration: --config FILE, else TARGET/pyproject.toml when it has [tool.secscan]."""
    origin = Source.CONFIG_FILE if explicit is not None else Source.TREE
    path = explicit if explicit is not None else (target / "pyproject.toml" if target.is_dir() else None)
    if path is None or not path.is_file():
        if explicit is not None:
            raise UsageError(f"--config {explicit}: no such file")
        return Config(origin=origin)
    return parse(_read(path), path, origin, explicit is not None)


def _read(path: Path) -> str:
    try:
        return path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read configuration: {' '.join(str(exc).split())}") from None


def parse(text: str, path: Path, origin: Source, explicit: bool = False) -> Config:
    """The validated configuration in ``text``, read as the file ``path`` (relative paths start there)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: cannot read configuration: {' '.join(str(exc).split())}") from None
    table = _table(data, path, explicit)
    if table is None:
        return Config(path, {}, origin)
    if not isinstance(table, dict):
        raise UsageError(f"{path}: [tool.secscan] must be a table")
    top = table is data
    return Config(path, _validate(table, path), origin, key_lines(text, "" if top else "tool.secscan"))


USER_CONFIG_ENV = "SECSCAN_CONFIG"


def user_config_path() -> tuple[Path | None, bool]:
    """The user-level configuration file and whether it was named explicitly ($SECSCAN_CONFIG)."""
    named = os.environ.get(USER_CONFIG_ENV, "").strip()
    if named:
        return Path(named).expanduser(), True
    base = os.environ.get("XDG_CONFIG_HOME", "").strip()
    try:
        folder = Path(base) if base else Path.home() / ".config"
    except RuntimeError:  # no home folder
        return None, False
    return folder / "secscan" / "config.toml", False


def load_user() -> Config:
    """The user-level configuration (trusted); none when the default file does not exist."""
    path, named = user_config_path()
    if path is None or not path.is_file():
        if named:
            raise UsageError(f"${USER_CONFIG_ENV} {path}: no such file")
        return Config(origin=Source.USER_CONFIG)
    return parse(_read(path), path, Source.USER_CONFIG)


_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?")
_KEY = re.compile(r"^\s*([A-Za-z0-9_-]+)\s*=")


def key_lines(text: str, table: str) -> dict[str, int]:
    """The line (1-based) where each key of ``table`` ("" for the top level) is set: ``key = ...`` inside
    the table, or a ``[[table.key]]`` / ``[table.key]`` header (suppress entries). Best effort: keys set in
    another TOML form (dotted keys, inline tables) have no line."""
    out: dict[str, int] = {}
    current = ""
    for number, line in enumerate(text.splitlines(), 1):
        header = _HEADER.match(line)
        if header:
            current = header.group(1).replace(" ", "")
            sub = current.removeprefix(table + ".") if table else current
            if (not table or current.startswith(table + ".")) and "." not in sub:
                out.setdefault(sub, number)
            continue
        key = _KEY.match(line)
        if key and current == table:
            out.setdefault(key.group(1), number)
    return out
