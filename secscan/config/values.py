"""Converters of the option table: one value from the command line (text), ``[tool.secscan]`` (TOML) or the
library API (Python) -> the setting, or a UsageError that names where the value came from.

Each converter takes ``(value, given)``; ``given.label`` names the setting as its source does (``--timeout``,
``timeout``, ``/repo/pyproject.toml: timeout``) and ``given.base`` is the folder relative paths are read from
(the configuration file's; None: as given, i.e. relative to the working directory).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from secscan.core.errors import UsageError
from secscan.core.options import DEFAULT_FORMATS
from secscan.scanners.registry import SCANNERS

SEVERITIES = ("critical", "high", "medium", "low", "info")
KNOWN_FORMATS = ("json", "md", "html", "sarif", "gitlab", "cyclonedx", "junit")


@dataclass(frozen=True)
class Given:
    """How a value was given: the name its source uses, and the folder relative paths start from."""

    label: str
    base: Path | None = None

    def bad(self, problem: str) -> UsageError:
        """The one-line usage error: label, then the problem (``.key ...`` and ``: ...`` attach directly)."""
        sep = "" if problem.startswith((".", ":")) else " "
        return UsageError(f"{self.label}{sep}{problem}")


Convert = Callable[[Any, Given], Any]


def flag(value: Any, given: Given) -> bool:
    """true or false."""
    if not isinstance(value, bool):
        raise given.bad(f"must be true or false, not {value!r}")
    return value


def seconds(value: Any, given: Given) -> float:
    """A positive, finite number of seconds (0, negative, nan and inf are refused)."""
    shown = value
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise given.bad(f"must be a positive number of seconds, not {shown!r}") from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise given.bad(f"must be a number of seconds, not {shown!r}")
    if not 0 < value < math.inf:
        raise given.bad(f"must be positive (a number of seconds), not {shown}")
    return float(value)


def count(value: Any, given: Given) -> int:
    """A whole number, 1 or more."""
    shown = value
    if isinstance(value, str):
        try:
            value = int(value)
        except ValueError:
            raise given.bad(f"must be a whole number, not {shown!r}") from None
    if isinstance(value, bool) or not isinstance(value, int):
        raise given.bad(f"must be a whole number, not {shown!r}")
    if value < 1:
        raise given.bad(f"must be 1 or more, not {shown}")
    return value


def choice(*choices: str) -> Convert:
    """One of the choices."""
    def convert(value: Any, given: Given) -> str:
        if not isinstance(value, str) or value not in choices:
            raise given.bad(f"must be one of {', '.join(choices)}, not {value!r}")
        return value
    return convert


def text(value: Any, given: Given) -> str:
    """A non-empty string."""
    if not isinstance(value, str) or not value.strip():
        raise given.bad(f"must be a non-empty string, not {value!r}")
    return value


def history(value: Any, given: Given) -> bool | str:
    """true, false, or a git revision range (never one git could read as an option)."""
    if isinstance(value, bool):
        return value
    if not isinstance(value, str) or not value.strip() or any(p.startswith("-") for p in value.split()):
        raise given.bad(f"must be true, false or a git revision range, not {value!r}")
    return value.strip()


def names(value: Any, given: Given) -> tuple[str, ...]:
    """A list of non-empty strings (one string is a list of one)."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, Sequence):
        raise given.bad(f"must be a list of non-empty strings, not {value!r}")
    bad = [v for v in items if not isinstance(v, str) or not v.strip()]
    if bad:
        raise given.bad(f"must be a list of non-empty strings, not {bad[0]!r}")
    return tuple(items)


def _known_scanners(items: Sequence[str], given: Given) -> tuple[str, ...]:
    bad = [v for v in items if v not in SCANNERS]
    if bad:
        raise given.bad(f"names unknown scanner(s) {', '.join(bad)} (known: {', '.join(SCANNERS)})")
    return tuple(items)


def scanner_names(value: Any, given: Given) -> tuple[str, ...]:
    """Scanner names: a list, or a comma list in one string."""
    if isinstance(value, str):
        value = [n.strip() for n in value.split(",") if n.strip()]
    return _known_scanners(names(value, given), given)


def only_scanners(value: Any, given: Given) -> tuple[str, ...] | None:
    """--scanners: run only these; none named means every scanner of the command."""
    return scanner_names(value, given) or None


def _text_path(value: Any, given: Given) -> Path:
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str) or not value.strip():
        raise given.bad(f"must be a path, not {value!r}")
    return Path(value)


def path(value: Any, given: Given) -> Path:
    """A path: as given, or resolved against the configuration file's folder."""
    p = _text_path(value, given)
    return (given.base / p).resolve() if given.base is not None else p


def absolute(value: Any, given: Given) -> Path:
    """A path made absolute (symbolic links resolved)."""
    return path(value, given).resolve()


def unresolved(value: Any, given: Given) -> Path:
    """A path made absolute without resolving symbolic links (the report folder: a link there must be
    seen, to refuse writing through one that leaves the scanned tree)."""
    return path(value, given).absolute()


def resolved(value: Any, given: Given) -> str:
    """A path handed to a scanner: absolute, as text."""
    return str(absolute(value, given))


def program(value: Any, given: Given) -> str:
    """An interpreter: relative to the configuration file, but not resolved (a venv's python is a symlink)."""
    p = _text_path(value, given)
    return str((given.base / p).absolute()) if given.base is not None and not p.is_absolute() else str(p)


def imports(value: Any, given: Given) -> tuple[tuple[str, Path], ...]:
    """TOOL=FILE texts (or (tool, file) pairs) -> pairs, tools checked."""
    from secscan.parsers.registry import PARSERS

    out = []
    for item in [value] if isinstance(value, str) else value:
        if isinstance(item, str):
            tool, sep, file = item.partition("=")
            if not sep or not file:
                raise given.bad(f"needs TOOL=FILE, not {item!r}")
        elif isinstance(item, tuple | list) and len(item) == 2 and isinstance(item[0], str):
            tool, file = item[0], item[1]
        else:
            raise given.bad(f"needs TOOL=FILE, not {item!r}")
        if tool not in PARSERS:
            raise given.bad(f": unknown tool {tool!r} (known: {', '.join(PARSERS)})")
        out.append((tool, _text_path(file, given)))
    return tuple(out)


def shard(value: Any, given: Given) -> tuple[int, int]:
    """'I/N' (or a pair) -> (I, N) with 1 <= I <= N."""
    try:
        i, n = (int(x) for x in (value.split("/") if isinstance(value, str) else value))
    except (TypeError, ValueError):
        raise given.bad(f"must look like I/N (e.g. 1/4), not {value!r}") from None
    if not 1 <= i <= n:
        raise given.bad(f"must be I/N with 1 <= I <= N, not {i}/{n}")
    return i, n


def formats(value: Any, given: Given) -> tuple[str, ...]:
    """json,md,... -> names; nothing named: the default four."""
    items = value.split(",") if isinstance(value, str) else value
    out = tuple(dict.fromkeys(n.strip() for n in items if n.strip()))
    bad = [n for n in out if n not in KNOWN_FORMATS]
    if bad:
        raise given.bad(f": unknown format(s) {', '.join(bad)} (known: {', '.join(KNOWN_FORMATS)})")
    return out or DEFAULT_FORMATS


def _table(value: Any, given: Given) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise given.bad(f"must be a table, not {value!r}")
    return value


def severities(value: Any, given: Given) -> dict[str, str]:
    """rule -> severity level."""
    table = _table(value, given)
    for rule, level in table.items():
        if level not in SEVERITIES:
            raise given.bad(f".{rule} must be one of {', '.join(SEVERITIES)}, not {level!r}")
    return dict(table)


def scanner_seconds(value: Any, given: Given) -> dict[str, float]:
    """scanner -> positive seconds."""
    out = {}
    for name, secs in _table(value, given).items():
        if name not in SCANNERS:
            raise given.bad(f".{name}: unknown scanner (known: {', '.join(SCANNERS)})")
        if isinstance(secs, bool) or not isinstance(secs, int | float) or not 0 < secs < math.inf:
            raise given.bad(f".{name} must be a positive number of seconds, not {secs!r}")
        out[name] = float(secs)
    return out


def entries(value: Any, given: Given) -> tuple[dict[str, Any], ...]:
    """ignore/suppress entries: tables, each with a reason (validated like the baseline's)."""
    from secscan.results import triage

    if not isinstance(value, Sequence) or isinstance(value, str):
        raise given.bad(f"must be a list of tables, not {value!r}")
    for i, entry in enumerate(value):
        if not isinstance(entry, Mapping):
            raise given.bad(f"entry {i + 1} must be a table")
        if not str(entry.get("reason") or "").strip():
            what = entry.get("rule") or entry.get("fingerprint")
            raise given.bad(f"entry {i + 1} ({what}) has no reason: every ignore and suppression needs one")
        triage.rule_from(entry, "config", f"{given.label} entry {i + 1}")
    return tuple(dict(e) for e in value)
