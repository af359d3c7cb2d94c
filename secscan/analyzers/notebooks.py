"""Jupyter notebooks as Python: code cells become one Python file with a line map back to the notebook, its
cell and the line in the cell; shell lines (``!cmd``, ``%%bash`` cells) become shell calls the SAST rules
know, so input interpolated into them reads as command injection; outputs and metadata are text for the
secret engine. Pure: nothing of the notebook is run.

Each string of the notebook keeps the line of the ``.ipynb`` file it was written on, so a finding can point
at the real file too (the location) while its properties name the cell and the line in the cell.
"""

from __future__ import annotations

import io
import json
import json.scanner
import re
import tokenize
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

HEADER = "import os, subprocess  # secscan: notebook shell lines (not in the notebook)"
_SHELL_MAGICS = ("%%bash", "%%sh", "%%script bash", "%%script sh", "%%system")
_NOT_TEXT = ("output_type", "name", "ename", "image/png", "image/jpeg", "image/gif")  # no secret text there
_INTERPOLATION = re.compile(r"\{[^{}]+\}|\$[A-Za-z_]\w*")
# IPython's automagic: a line magic or shell alias called without % or ! ("pip install x", "cd data"): the
# name, then an argument that no Python statement could continue with (not an operator, call or attribute)
_SHELL_AUTOMAGICS = frozenset({"pip", "conda", "mamba", "ls", "cat", "cp", "mv", "rm", "mkdir", "rmdir"})
_AUTOMAGIC = re.compile(r"(?P<name>pip|conda|mamba|ls|cat|cp|mv|rm|mkdir|rmdir|cd|env|load_ext|matplotlib"
                        r"|time|timeit|run|who|whos|reset|history|autoreload|store|bookmark|alias|unalias)"
                        r"[ \t]+(?![\s=(.\[,:+*/%<>&|^@]|-[=\s]|in\b|is\b|and\b|or\b|not\b|if\b|for\b)\S")


class NotebookError(ValueError):
    """The file is not a notebook secscan can read (its reason names what is wrong)."""


class _Text(str):
    """A JSON string with the line of the file it starts on."""

    line: int = 0


@dataclass(frozen=True)
class Place:
    """Where a line of the generated Python (or a scanned text) is in the notebook."""

    cell: int  # 1-based cell number (every cell counts, markdown ones too)
    cell_line: int  # 1-based line in the cell
    file_line: int  # the line of the .ipynb file


@dataclass
class Converted:
    """The generated Python and, per its line (index 0 is line 1), the notebook place (None: generated)."""

    python: str
    places: list[Place | None] = field(default_factory=list)
    cells: int = 0
    code_cells: int = 0
    shell_lines: int = 0

    def place(self, line: int | None) -> Place | None:
        """The notebook place of a 1-based line of the generated Python."""
        if line is None or not 1 <= line <= len(self.places):
            return None
        return self.places[line - 1]


def load(text: str) -> dict[str, Any]:
    """The notebook's JSON with every string carrying its file line; NotebookError when it is no notebook."""
    newlines = [i for i, c in enumerate(text) if c == "\n"]
    decoder = json.JSONDecoder()
    plain = decoder.parse_string  # type: ignore[attr-defined]

    def parse_string(s: str, end: int, strict: bool = True) -> tuple[str, int]:
        value, after = plain(s, end, strict)
        out = _Text(value)
        out.line = bisect_right(newlines, end - 1) + 1
        return out, after

    decoder.parse_string = parse_string  # type: ignore[attr-defined]
    decoder.scan_once = json.scanner.py_make_scanner(decoder)  # type: ignore[attr-defined]
    try:
        data = decoder.decode(text)
    except (ValueError, RecursionError) as exc:
        raise NotebookError(f"not valid JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("cells", data.get("worksheets")), list):
        raise NotebookError("no cells (not a Jupyter notebook)")
    return data


def cells(nb: dict[str, Any]) -> list[dict[str, Any]]:
    """The cells (nbformat 4, or the worksheets of nbformat 3)."""
    if isinstance(nb.get("cells"), list):
        found = nb["cells"]
    else:
        found = [c for ws in nb.get("worksheets", []) if isinstance(ws, dict) for c in ws.get("cells", [])]
    return [c for c in found if isinstance(c, dict)]


def _lines(source: Any) -> list[tuple[str, int]]:
    """(line, file line) of a cell's source: a list of strings or one string."""
    parts = source if isinstance(source, list) else [source] if isinstance(source, str) else []
    out: list[tuple[str, int]] = []
    for part in parts:
        if not isinstance(part, str):
            continue
        base = getattr(part, "line", 0)
        for i, line in enumerate(part.split("\n")):
            if i and not line and part.endswith("\n") and i == part.count("\n"):
                break
            out.append((line, base))  # one JSON string per line in practice; a long one keeps its start
    return out


def _shell_call(command: str) -> str:
    """A shell line as Python: with input interpolated the way IPython does (``{expr}``, ``$name``), an
    f-string into a shell (what command injection rules look for); else a constant command."""
    if _INTERPOLATION.search(command):
        body = re.sub(r"\$([A-Za-z_]\w*)", r"{\1}", command.replace("\\", "\\\\").replace('"', '\\"'))
        call = f'subprocess.run(f"{body}", shell=True)'
        try:
            compile(call, "<shell line>", "eval", flags=0x400, dont_inherit=True)  # parse only
            return call
        except (SyntaxError, ValueError, MemoryError, RecursionError):  # braces of the shell itself
            pass  # (awk '{print $1}') or an expression too deep to parse: a constant command
    return f"get_ipython().system({command!r})"


MAX_MAGIC_LINE = 4000  # longer lines are never judged as IPython commands (left as they are)


def _is_python(line: str) -> bool:
    """The line alone is a Python statement (then it stays Python even when it reads like a magic). Only
    lines that read like a magic are compiled (parse only), and a pathological one counts as Python."""
    if len(line) > MAX_MAGIC_LINE:
        return True
    try:
        compile(line, "<line>", "exec", flags=0x400, dont_inherit=True)  # ast.PyCF_ONLY_AST
    except (SyntaxError, ValueError):
        return False
    except (MemoryError, RecursionError, OverflowError):
        return True
    return True


def _continuations(lines: Sequence[str]) -> set[int]:
    """The 0-based indexes of a cell's lines that continue a statement begun above (inside a bracket, a
    multi-line string, after a backslash): never an IPython command. One tokenize pass over the cell (never
    compiled); lines after a tokenizer error at the end (an unclosed statement) continue it, lines after an
    indentation error are judged on their own."""
    starts: set[int] = set()
    expect = True
    try:
        for tok in tokenize.generate_tokens(io.StringIO("".join(f"{ln}\n" for ln in lines)).readline):
            if tok.type == tokenize.NEWLINE:
                expect = True
            elif expect and tok.type not in _NOT_A_START:
                starts.add(tok.start[0] - 1)
                expect = False
    except tokenize.TokenError:  # EOF inside a bracket, a triple-quoted string or after a backslash
        pass
    except SyntaxError as exc:  # an indentation the tokenizer refuses: the rest is not a continuation
        starts.update(range(max((exc.lineno or 1) - 1, 0), len(lines)))
    return {i for i, ln in enumerate(lines) if i not in starts and ln.strip()}


_NOT_A_START = frozenset({tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT,
                          tokenize.ENDMARKER})


def _code_line(line: str, continues: bool = False) -> tuple[str, bool]:
    """(the Python for one code-cell line, whether it is a shell line); ``continues``: the line continues a
    statement begun above (:func:`_continuations`)."""
    stripped = line.lstrip()
    indent = line[: len(line) - len(stripped)]
    auto = _AUTOMAGIC.match(stripped)
    if not (stripped.startswith(("!", "%")) or auto) or continues:
        return line, False
    if stripped.startswith("!"):
        return indent + _shell_call(stripped[1:].strip()), True
    if auto and _is_python(stripped):
        return line, False
    if auto and auto["name"] in _SHELL_AUTOMAGICS:
        return indent + _shell_call(stripped.strip()), True  # pip install {pkg}: IPython runs it like !pip
    return indent + "pass  # magic: " + stripped.replace("\\", "/")[:200], False


def convert(nb: dict[str, Any]) -> Converted:
    """The code cells as one Python file with its line map."""
    out = Converted(HEADER, [None])
    for number, cell in enumerate(cells(nb), start=1):
        out.cells += 1
        if cell.get("cell_type") != "code":
            continue
        out.code_cells += 1
        lines = _lines(cell.get("source", cell.get("input")))
        out.python += f"\n# secscan: cell {number}"
        out.places.append(None)
        shell_cell = bool(lines) and lines[0][0].strip().startswith(_SHELL_MAGICS)
        if shell_cell:
            _shell_cell(out, number, lines)
            continue
        inside = _continuations([line for line, _ in lines])
        for i, (line, file_line) in enumerate(lines, start=1):
            text, shell = _code_line(line, i - 1 in inside)
            out.shell_lines += shell
            out.python += "\n" + text
            out.places.append(Place(number, i, file_line))
    out.python += "\n"
    return out


def _shell_cell(out: Converted, number: int, lines: list[tuple[str, int]]) -> None:
    """A ``%%bash`` cell: each line a shell call at its own line (so findings keep the cell's lines)."""
    magic, magic_line = lines[0]
    args = magic.strip().split(None, 1)[1] if len(magic.split()) > 1 else ""
    out.python += "\n" + (_shell_call(args) if _INTERPOLATION.search(args) else "pass") + "  # cell magic"
    out.places.append(Place(number, 1, magic_line))
    for i, (line, file_line) in enumerate(lines[1:], start=2):  # the body is shell, never expanded by IPython
        stripped = line.strip()
        out.python += "\n" + (f"get_ipython().system({stripped!r})" if stripped else "pass")
        out.shell_lines += bool(stripped)
        out.places.append(Place(number, i, file_line))


def texts(nb: dict[str, Any]) -> list[tuple[str, str, Place]]:
    """(what, text, place) of every output and the metadata, for the secret engine: stream text, text and
    JSON outputs, error tracebacks; the notebook's and each cell's metadata."""
    found: list[tuple[str, str, Place]] = []
    for number, cell in enumerate(cells(nb), start=1):
        for k, output in enumerate(cell.get("outputs") or [], start=1):
            if isinstance(output, dict):
                for text in _strings(output, skip=_NOT_TEXT):
                    found.append((f"output {k}", text, Place(number, 0, getattr(text, "line", 0))))
        for text in _strings(cell.get("metadata") or {}, skip=()):
            found.append(("cell metadata", text, Place(number, 0, getattr(text, "line", 0))))
    for text in _strings(nb.get("metadata") or {}, skip=()):
        found.append(("notebook metadata", text, Place(0, 0, getattr(text, "line", 0))))
    return found


def _strings(value: Any, skip: tuple[str, ...]) -> list[str]:
    """Every string in a JSON value (a list of strings joined into one text: a multi-line output)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        if value and all(isinstance(v, str) for v in value):
            joined = _Text("".join(value))
            joined.line = getattr(value[0], "line", 0)
            return [joined]
        return [s for v in value for s in _strings(v, skip)]
    if isinstance(value, dict):
        return [s for k, v in value.items() if k not in skip for s in _strings(v, skip)]
    return []
