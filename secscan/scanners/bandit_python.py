"""When bandit cannot parse a file because the code is written for a newer Python than the one bandit runs
in (PEP 701 f-strings of 3.12, ``type`` statements, ...), say exactly how to fix it.

bandit parses with the interpreter it is installed in; secscan finds bandit in ``$SECSCAN_TOOL_PATH`` first,
so a bandit installed into a newer Python is used without any other change. The files are only parsed
(``compile`` to an AST, never run); the target's ``requires-python`` names the version to install.
"""

from __future__ import annotations

import re
import sys
import tomllib
from collections.abc import Mapping
from pathlib import Path

MAX_BYTES = 2_000_000
_LOWER = re.compile(r">=?\s*(\d+)\.(\d+)|~=\s*(\d+)\.(\d+)|==\s*(\d+)\.(\d+)")


def parses_here(path: Path) -> bool | None:
    """Whether this interpreter parses the file (None: unreadable or too large to try)."""
    try:
        if path.stat().st_size > MAX_BYTES:
            return None
        source = path.read_bytes()
    except OSError:
        return None
    try:
        compile(source, str(path), "exec", flags=0x400, dont_inherit=True)  # ast.PyCF_ONLY_AST: parse only
    except (SyntaxError, ValueError):
        return False
    return True


def required_python(target: Path) -> tuple[int, int] | None:
    """The lowest Python version the target's pyproject.toml ``requires-python`` admits (None: not said)."""
    try:
        data = tomllib.loads((target / "pyproject.toml").read_text("utf-8", "replace"))
    except (OSError, tomllib.TOMLDecodeError):
        return None
    spec = (data.get("project") or {}).get("requires-python") if isinstance(data, dict) else None
    if not isinstance(spec, str):
        return None
    found = [tuple(int(g) for g in m.groups() if g is not None) for m in _LOWER.finditer(spec)]
    versions = [(v[0], v[1]) for v in found if len(v) == 2]
    return max(versions) if versions else None


def newer_syntax_hint(target: Path, failed: Mapping[str, str],
                      here: tuple[int, int] = (sys.version_info.major, sys.version_info.minor)) -> str | None:
    """The fix, when files bandit could not parse do not parse with this Python either and the target asks
    for a newer one (or gives no version: then the hint says how to choose); None otherwise."""
    syntax = [p for p, why in failed.items() if "syntax" in why.lower()]
    newer = [p for p in syntax if parses_here(target / p) is False]
    if not newer:
        return None
    wanted = required_python(target)
    if wanted is not None and wanted <= here:
        return None  # the target's own Python is this one: the files are broken, not newer
    ver = f"{wanted[0]}.{wanted[1]}" if wanted else "N (the Python the code is written for)"
    why = (f"requires-python asks for >={ver} in pyproject.toml" if wanted
           else "the code may use newer syntax such as PEP 701 f-strings")
    shown = ", ".join(newer[:3]) + (f" (+{len(newer) - 3} more)" if len(newer) > 3 else "")
    exe = f"python{ver if wanted else 'N'}"
    return (f"{len(newer)} of them ({shown}) do not parse with Python {here[0]}.{here[1]} (secscan's) either "
            f"and {why}: bandit parses with the Python it is installed in; install it into a Python {ver} "
            f"environment ({exe} -m venv DIR && DIR/bin/pip install bandit) and run secscan with "
            f"SECSCAN_TOOL_PATH=DIR/bin")
