"""When bandit cannot parse a file because the code is written for a newer Python than the one bandit runs
in (PEP 701 f-strings of 3.12, ``type`` statements, ...), say exactly how to fix it.

bandit parses with the interpreter it is installed in; secscan finds bandit in ``$SECSCAN_TOOL_PATH`` first,
so a bandit installed into a newer Python is used without any other change. The files are only parsed
(``compile`` to an AST, never run); the target's ``requires-python`` names the version to install.
"""

from __future__ import annotations

import json
import re
import stat
import sys
import tempfile
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from secscan.process.runner import Invocation, Runner

MAX_BYTES = 2_000_000
_LOWER = re.compile(r">=?\s*(\d+)\.(\d+)|~=\s*(\d+)\.(\d+)|==\s*(\d+)\.(\d+)")


def parses_here(path: Path) -> bool | None:
    """Whether this interpreter parses the file (None: unreadable or too large to try)."""
    try:
        st = path.lstat()  # a regular file of the tree only: never a link to a device, never a FIFO
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_BYTES:
            return None
        source = path.read_bytes()
    except OSError:
        return None
    try:
        compile(source, str(path), "exec", flags=0x400, dont_inherit=True)  # ast.PyCF_ONLY_AST: parse only
    except (SyntaxError, ValueError):
        return False
    except (MemoryError, RecursionError, OverflowError):  # a hostile file: too deep to tell, not a crash
        return None
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


#: Parses each named file in the probed interpreter (``compile`` to an AST only, never run) and prints
#: its version with the verdicts. The interpreter starts isolated (-I: no tree path, no PYTHON* settings).
PROBE = (
    "import json, sys\n"
    "out = {}\n"
    "for p in sys.argv[1:]:\n"
    "    try:\n"
    "        compile(open(p, 'rb').read(), p, 'exec', 0x400, True); out[p] = True\n"
    "    except (SyntaxError, ValueError):\n"
    "        out[p] = False\n"
    "    except OSError:\n"
    "        out[p] = None\n"
    "print(json.dumps({'version': list(sys.version_info[:2]), 'parses': out}))\n")


@dataclass(frozen=True)
class Probe:
    """A newer Python found on PATH and which of the files it parses."""

    exe: str
    version: tuple[int, int]
    parses: Mapping[str, bool | None]


def probe_newer(runner: Runner, target: Path, files: Sequence[str],
                here: tuple[int, int] = (sys.version_info.major, sys.version_info.minor)) -> list[Probe]:
    """Every Python newer than ``here`` on the runner's PATH (python3.N) that starts, with its verdict on
    each file (a shim that does not start, e.g. pyenv's for a version not selected, is left out)."""
    out = []
    paths = [str(target / f) for f in files]
    for minor in range(here[1] + 1, here[1] + 8):
        exe = runner.which(f"python{here[0]}.{minor}")
        if exe is None:
            continue
        res = runner.run(Invocation((exe, "-I", "-c", PROBE, *paths), Path(tempfile.gettempdir()), 60.0,
                                    label=f"python{here[0]}.{minor} parse check", inherit_env=False))
        try:
            data = json.loads(res.stdout.decode("utf-8", "replace").strip().splitlines()[-1])
            version = (int(data["version"][0]), int(data["version"][1]))
            verdicts = {f: data["parses"].get(p) for f, p in zip(files, paths, strict=True)}
        except (ValueError, KeyError, IndexError, TypeError):
            continue
        if version > here:
            out.append(Probe(exe, version, verdicts))
    return out


def unparsed_here(target: Path, failed: Mapping[str, str]) -> list[str]:
    """The files bandit reported a syntax error for that this Python does not parse either."""
    return [p for p, why in failed.items()
            if "syntax" in str(why).lower() and parses_here(target / p) is False]


def newer_syntax_hint(target: Path, failed: Mapping[str, str],
                      here: tuple[int, int] = (sys.version_info.major, sys.version_info.minor),
                      probes: Sequence[Probe] | None = None,
                      newer: Sequence[str] | None = None) -> str | None:
    """What to do about files bandit could not parse that this Python does not parse either: the newer
    Python that parses them (``probes``: the ones found on PATH), or that none does (a syntax error in
    the file), or, with no newer Python to ask, the version the target asks for. None: nothing to say.
    ``newer``: :func:`unparsed_here` when the caller has it already (each file is parsed once)."""
    newer = list(newer) if newer is not None else unparsed_here(target, failed)
    if not newer:
        return None
    wanted = required_python(target)
    if wanted is not None and wanted <= here and not probes:
        return None  # the target's own Python is this one: the files are broken, not newer
    if probes:
        return _probed(newer, here, probes)
    ver = f"{wanted[0]}.{wanted[1]}" if wanted else "N (the Python the code is written for)"
    why = (f"requires-python asks for >={ver} in pyproject.toml" if wanted
           else "the code may use newer syntax such as PEP 701 f-strings (no newer Python found on PATH "
                "to tell)")
    return f"{_files(newer)} do not parse with Python {here[0]}.{here[1]} (secscan's) either " + _fix(
        ver if wanted else "N", why, ver)


def _files(names: Sequence[str]) -> str:
    more = f" (+{len(names) - 3} more)" if len(names) > 3 else ""
    return f"{len(names)} of them ({', '.join(names[:3])}{more})"


def _probed(newer: Sequence[str], here: tuple[int, int], probes: Sequence[Probe]) -> str:
    """Which files a newer Python parses (and the oldest such Python: the fix) and which none does."""
    broken = [f for f in newer if all(pr.parses.get(f) is False for pr in probes)]
    fixable = [f for f in newer if f not in broken]
    parts = []
    if fixable:
        good = [pr for pr in probes if all(pr.parses.get(f, True) for f in fixable)] or list(probes)
        best = min(good, key=lambda pr: pr.version)
        ver = f"{best.version[0]}.{best.version[1]}"
        parts.append(f"{_files(fixable)} do not parse with Python {here[0]}.{here[1]} (secscan's) "
                     + _fix(ver, f"Python {ver} ({best.exe}) parses them"))
    if broken:
        tried = ", ".join(f"{v[0]}.{v[1]}" for v in [here, *(pr.version for pr in probes)])
        parts.append(f"{_files(broken)} parse with no Python found ({tried}): a syntax error in the file, "
                     "not newer syntax")
    return "; ".join(parts)


def _fix(ver: str, why: str, named: str | None = None) -> str:
    return (f"and {why}: bandit parses with the Python it is installed in; install it into a Python "
            f"{named or ver} environment (python{ver} -m venv DIR && DIR/bin/pip install bandit) and run "
            f"secscan with SECSCAN_TOOL_PATH=DIR/bin")
