"""``[tool.secscan]`` in the target's pyproject.toml (or ``--config FILE``): validated, CLI options win.

Keys: fail_on, scanners, require, exclude, severity (rule -> level), ignore (list of {rule, path?, reason}),
suppress (list, see the contract), timeout, timeouts (scanner -> seconds), offline, require_pqc, osv_db,
allow_incomplete, canary, jobs,
and the check settings pqc_python, pqc_algs, mtls_target, mtls_ca, mtls_cert, mtls_key, mtls_server_name,
mtls_pq, mtls_require_pq (paths relative to the configuration file).
A wrong key or value is a usage error (exit 2), never ignored.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from secscan.core.errors import UsageError
from secscan.core.model import FAIL_ON_CHOICES
from secscan.scanners.registry import SCANNERS

SEVERITIES = ("critical", "high", "medium", "low", "info")
KEYS: dict[str, type | tuple[type, ...]] = {
    "fail_on": str, "scanners": list, "require": list, "exclude": list, "severity": dict, "ignore": list,
    "suppress": list, "timeout": (int, float), "timeouts": dict, "offline": bool, "require_pqc": bool,
    "osv_db": str,
    "allow_incomplete": bool, "canary": bool, "jobs": int,
    # the PQC and mTLS checks (secscan/check_options.py)
    "pqc_python": str, "pqc_algs": list, "mtls_target": str, "mtls_ca": str, "mtls_cert": str,
    "mtls_key": str, "mtls_server_name": str, "mtls_pq": bool, "mtls_require_pq": bool,
}


@dataclass
class Config:
    """The validated [tool.secscan] table (empty when there is none)."""

    source: Path | None = None
    values: dict[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        """A configured value or default."""
        return self.values.get(key, default)


def _check_strings(key: str, value: list[Any], where: str) -> None:
    bad = [v for v in value if not isinstance(v, str) or not v.strip()]
    if bad:
        raise UsageError(f"{where}: {key} must be a list of non-empty strings, not {bad[0]!r}")


def _check_scanner_list(key: str, value: list[Any], where: str) -> None:
    _check_strings(key, value, where)
    bad = [v for v in value if v not in SCANNERS]
    if bad:
        raise UsageError(f"{where}: {key} names unknown scanner(s) {', '.join(map(str, bad))} "
                         f"(known: {', '.join(SCANNERS)})")


def _check_types(table: dict[str, Any], where: str) -> None:
    for key, value in table.items():
        if key not in KEYS:
            known = ", ".join(sorted(KEYS))
            raise UsageError(f"{where}: unknown key {key!r} in [tool.secscan] (known: {known})")
        want = KEYS[key]
        if isinstance(value, bool) and want in ((int, float), int):
            raise UsageError(f"{where}: {key} must be a number, not {value!r}")
        if not isinstance(value, want):
            name = want.__name__ if isinstance(want, type) else "number"
            raise UsageError(f"{where}: {key} must be a {name}, not {value!r}")


def _check_entries(table: dict[str, Any], where: str) -> None:
    from secscan.results import triage

    for key in ("ignore", "suppress"):
        for i, entry in enumerate(table.get(key, [])):
            if not isinstance(entry, dict):
                raise UsageError(f"{where}: {key} entry {i + 1} must be a table")
            if not str(entry.get("reason") or "").strip():
                what = entry.get("rule") or entry.get("fingerprint")
                raise UsageError(f"{where}: {key} entry {i + 1} ({what}) has no reason: every ignore and "
                                 "suppression needs one")
            triage.rule_from(entry, "config", f"{where}: {key} entry {i + 1}")


def _validate(table: dict[str, Any], where: str) -> dict[str, Any]:
    _check_types(table, where)
    if "fail_on" in table and table["fail_on"] not in FAIL_ON_CHOICES:
        raise UsageError(f"{where}: fail_on must be one of {', '.join(FAIL_ON_CHOICES)}, "
                         f"not {table['fail_on']!r}")
    for key in ("scanners", "require"):
        if key in table:
            _check_scanner_list(key, table[key], where)
    for key in ("exclude", "pqc_algs"):
        if key in table:
            _check_strings(key, table[key], where)
    for rule, level in table.get("severity", {}).items():
        if level not in SEVERITIES:
            raise UsageError(f"{where}: severity.{rule} must be one of {', '.join(SEVERITIES)}, "
                             f"not {level!r}")
    if "timeout" in table and not 0 < table["timeout"] < float("inf"):
        raise UsageError(f"{where}: timeout must be positive")
    for name, secs in table.get("timeouts", {}).items():
        if name not in SCANNERS:
            raise UsageError(f"{where}: timeouts.{name}: unknown scanner (known: {', '.join(SCANNERS)})")
        if isinstance(secs, bool) or not isinstance(secs, (int, float)) or not 0 < secs < float("inf"):
            raise UsageError(f"{where}: timeouts.{name} must be a positive number of seconds, not {secs!r}")
    if "jobs" in table and table["jobs"] < 0:
        raise UsageError(f"{where}: jobs must be 0 (one per CPU) or more, not {table['jobs']}")
    _check_entries(table, where)
    return table


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
    path = explicit if explicit is not None else (target / "pyproject.toml" if target.is_dir() else None)
    if path is None or not path.is_file():
        if explicit is not None:
            raise UsageError(f"--config {explicit}: no such file")
        return Config()
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"{path}: cannot read configuration: {' '.join(str(exc).split())}") from None
    table = _table(data, path, explicit is not None)
    if table is None:
        return Config(path, {})
    if not isinstance(table, dict):
        raise UsageError(f"{path}: [tool.secscan] must be a table")
    values = _validate(dict(table), str(path))
    if "osv_db" in values:  # relative to the configuration file, not to where secscan runs
        values["osv_db"] = str((path.parent / values["osv_db"]).resolve())
    return Config(path, values)
