"""Tool name -> parser, for `secscan import` and `--import TOOL=FILE`."""

from __future__ import annotations

import importlib
import stat
from pathlib import Path

from secscan.core.errors import ParseError, UsageError
from secscan.core.model import Parsed
from secscan.parsers.interface import MAX_INPUT_BYTES, Parser

PARSERS: dict[str, str] = {
    "bandit": "secscan.parsers.bandit",
    "semgrep": "secscan.parsers.semgrep",
    "pip-audit": "secscan.parsers.pip_audit",
    "detect-secrets": "secscan.parsers.detect_secrets",
    "trivy": "secscan.parsers.trivy",
    "npm-audit": "secscan.parsers.npm_audit",
    "gitlab": "secscan.parsers.gitlab",
    "checkov": "secscan.parsers.checkov",
}


def get(tool: str) -> Parser:
    """The parse function for a tool name."""
    if tool not in PARSERS:
        raise UsageError(f"unknown tool {tool!r} for import (known: {', '.join(PARSERS)})")
    parser: Parser = importlib.import_module(PARSERS[tool]).parse
    return parser


def read_input(tool: str, path: Path) -> bytes:
    """The bytes of a tool output file: a regular file under the size limit, else ParseError naming it.

    A FIFO, a device (/dev/zero) or a folder is refused before reading, so an import never hangs or fills
    memory; the read itself is capped too (a file that grows while being read).
    """
    limit_mb = MAX_INPUT_BYTES // (1024 * 1024)
    try:
        st = path.stat()
        if stat.S_ISDIR(st.st_mode):
            raise ParseError(tool, str(path), "is a folder, not a file")
        if not stat.S_ISREG(st.st_mode):
            raise ParseError(tool, str(path), "not a regular file (a FIFO, socket or device)")
        if st.st_size > MAX_INPUT_BYTES:
            size_mb = st.st_size // (1024 * 1024)
            raise ParseError(tool, str(path), f"file is {size_mb} MB, over the {limit_mb} MB limit")
        with path.open("rb") as fh:
            data = fh.read(MAX_INPUT_BYTES + 1)
    except OSError as exc:
        raise ParseError(tool, str(path), exc.strerror or str(exc)) from None
    if len(data) > MAX_INPUT_BYTES:
        raise ParseError(tool, str(path), f"file grew over the {limit_mb} MB limit while being read")
    return data


def parse_file(tool: str, path: Path) -> Parsed:
    """Read and parse one tool output file; every problem is a ParseError naming the file.

    A parser bug (any other exception) is turned into a ParseError too, so one hostile file can never stop a
    scan or read as clean; the per-parser fuzz tests make sure parsers do not rely on this.
    """
    parser = get(tool)
    data = read_input(tool, path)
    try:
        return parser(data, str(path))
    except ParseError:
        raise
    except RecursionError:
        raise ParseError(tool, str(path), "nested too deeply") from None
    except Exception as exc:  # the last line of defence, see the docstring
        raise ParseError(
            tool,
            str(path),
            f"unexpected {type(exc).__name__} in the {tool} parser "
            f"(a secscan bug, please report it): {str(exc)[:200]}",
        ) from None
