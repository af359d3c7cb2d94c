"""The copies detect-secrets scans when the prefilter is on: one private folder, same relative names.

A copy holds the file's candidate lines, each with the context lines detect-secrets gives its filters and
verification (``lines_of_context`` each side), in their order, and nothing else; ``StageStats.origin``
maps each line of the copy back to its line in the real file. Blanking lines instead (keeping the
numbers) would not save much: detect-secrets runs its filters and every plugin through dependency
injection on every line, empty or not (on Django 4.2.16 a copy with 99% of the lines emptied still
took half the CPU of the full run). Every candidate's context lies inside its own run of kept lines, so
what detect-secrets sees of a candidate (the line, its context snippet, the file name) is what it sees
in the real file; only the line number differs, and is mapped back.

detect-secrets reads a file in text mode (universal newlines) and analyzes each line rstripped; the split
here is the same (``\r\n``, ``\r``, ``\n``). The scanned tree is never written. A file goes over
unchanged (reason counted) when:

- it is not UTF-8 (detect-secrets skips a file it cannot decode; a copy might decode);
- one of detect-secrets' transformers, eager ones included, returns lines for the original or for the
  copy (detect-secrets then scans the transformed lines, which the copy could change);

and as an empty file when detect-secrets' ``is_non_text_file`` filter skips it by its name before opening.
The first unindented line with no ``=``/``:`` that is no comment or section (it makes every config
transformer's parse fail) is kept in a copy that keeps anything, so the copy fails those parses like the
original; the check above still decides.
"""

from __future__ import annotations

import configparser
import io
import os
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from secscan.scanners.detect_secrets_prefilter import Conditions, Unavailable

_SPLIT = re.compile(r"(\r\n|\r|\n)")
_POISON = re.compile(r"[^\s#;\[][^=:]*")  # unindented, not a comment or a section, no delimiter
FILTERED = "filtered"
NOT_UTF8 = "not UTF-8"
TRANSFORMED = "parsed whole by a detect-secrets transformer"
NON_TEXT = "non-text (skipped by detect-secrets' is_non_text_file filter)"


@dataclass
class StageStats:
    """What the prefilter did with the files of one invocation."""

    files: int = 0
    lines: int = 0
    lines_kept: int = 0  # lines handed over with their content (filtered files)
    whole: Counter[str] = field(default_factory=Counter)  # reason -> files handed over unchanged
    origin: dict[str, tuple[int, ...]] = field(default_factory=dict)  # filtered file -> Prepared.origin

    def original_line(self, name: str, line: int) -> int:
        """The line in the real file of a line detect-secrets reported in the copy."""
        origin = self.origin.get(name)
        return origin[line - 1] if origin is not None and 0 < line <= len(origin) else line

    def describe(self) -> str:
        """One line for the report's evidence."""
        share = f"{100 * self.lines_kept / self.lines:.1f}%" if self.lines else "-"
        whole = ", ".join(f"{n} {why}" for why, n in sorted(self.whole.items()))
        return (f"{self.lines_kept} of {self.lines} lines of {self.files - sum(self.whole.values())} file(s) "
                f"handed over ({share})" + (f"; whole files: {whole}" if whole else ""))


class _Named(io.StringIO):
    """A text file in memory with the name detect-secrets' transformers look at."""

    def __init__(self, text: str, name: str) -> None:
        super().__init__(text)
        self.name = name


def transformed(name: str, text: str, poisoned: bool) -> bool:
    """True when a detect-secrets transformer (plain or eager) returns lines for this text, or fails in a
    way the scan loop does not expect (the safe side). ``poisoned``: the text has a line that makes every
    config parse fail (an unindented line that is no comment, section or option), so those are skipped."""
    saved = configparser.ParsingError
    try:
        from detect_secrets.transformers import get_transformers
        from detect_secrets.transformers.config import ConfigFileTransformer, EagerConfigFileTransformer
        from detect_secrets.transformers.exceptions import ParsingError

        for transformer in list[Any](get_transformers()):
            config = type(transformer) in (ConfigFileTransformer, EagerConfigFileTransformer)
            if not transformer.should_parse_file(name) or (poisoned and config):
                continue
            try:
                if transformer.parse_file(_Named(text, name)):
                    return True
            except ParsingError:
                continue
        return False
    except Exception:
        return True
    finally:
        configparser.ParsingError = saved  # type: ignore[misc]


def _non_text(name: str) -> bool:
    from detect_secrets.filters.heuristic import is_non_text_file
    from detect_secrets.settings import Settings

    return "detect_secrets.filters.heuristic.is_non_text_file" in Settings.DEFAULT_FILTERS and bool(
        is_non_text_file(name))


@dataclass(frozen=True)
class Prepared:
    """One file as handed over: its content, how, and (filtered) each copy line's line in the original."""

    content: bytes
    how: str
    lines: int = 0  # lines of the original (filtered files)
    origin: tuple[int, ...] = ()  # 1-based original line of each line of the copy (filtered files)


def prepare(data: bytes, name: str, cond: Conditions) -> Prepared:
    """The copy of one file: its candidate lines with their context lines, in order (FILTERED), or the
    file unchanged with the reason."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return Prepared(data, NOT_UTF8)
    contents = _SPLIT.split(text)[0::2]
    if contents[-1] == "":
        contents.pop()  # the text ends with a line break: no last line
    lines = [c.rstrip() for c in contents]
    poison = next((i for i, line in enumerate(lines) if _POISON.fullmatch(line)), None)
    if transformed(name, "\n".join(contents), poison is not None):
        return Prepared(data, TRANSFORMED)
    keep = cond.keep(lines)
    if poison is not None and any(keep):
        keep[poison] = True  # the copy fails every config parse like the original
    origin = tuple(i + 1 for i, k in enumerate(keep) if k)
    copy = "".join(contents[i - 1] + "\n" for i in origin)
    if transformed(name, copy, any(_POISON.fullmatch(lines[i - 1]) for i in origin)):
        return Prepared(data, TRANSFORMED)
    return Prepared(copy.encode("utf-8"), FILTERED, len(contents), origin)


def _inside(target: Path, name: str) -> Path:
    """The file in the tree; Unavailable when a symbolic link or '..' is on its path (detect-secrets
    resolves those, which a copy elsewhere would not reproduce)."""
    if os.path.isabs(name) or ".." in Path(name).parts:
        raise Unavailable(f"a file outside the scanned folder is among the files ({name})")
    path = target / name
    if os.path.realpath(path) != os.path.join(os.path.realpath(target), os.path.normpath(name)):
        raise Unavailable("symbolic links among the files (detect-secrets resolves them)")
    return path


def stage(target: Path, names: Sequence[str], dest: Path, cond: Conditions) -> StageStats:
    """Write the prefiltered copies of the files (relative to target) under dest, same names."""
    stats = StageStats()
    sources = [_inside(target, name) for name in names]
    folders: set[Path] = set()
    for name, src in zip(names, sources, strict=True):
        out = dest / name
        if out.parent not in folders:
            out.parent.mkdir(parents=True, exist_ok=True)
            folders.add(out.parent)
        stats.files += 1
        if _non_text(name):
            out.write_bytes(b"")
            stats.whole[NON_TEXT] += 1
            continue
        try:
            data = src.read_bytes()
        except OSError as exc:
            raise Unavailable(f"{name} could not be read ({exc.strerror})") from exc
        prepared = prepare(data, name, cond)
        out.write_bytes(prepared.content)
        if prepared.how == FILTERED:
            stats.lines += prepared.lines
            stats.lines_kept += len(prepared.origin)
            stats.origin[name] = prepared.origin
        else:
            stats.whole[prepared.how] += 1
    return stats
