"""Tool name -> parser, for `secscan import` and `--import TOOL=FILE`."""

from __future__ import annotations

import importlib
from pathlib import Path

from secscan.errors import ParseError, UsageError
from secscan.parsers.interface import MAX_INPUT_BYTES, Parsed, Parser

PARSERS: dict[str, str] = {
    "bandit": "secscan.parsers.bandit",
    "semgrep": "secscan.parsers.semgrep",
    "pip-audit": "secscan.parsers.pip_audit",
    "detect-secrets": "secscan.parsers.detect_secrets",
    "trivy": "secscan.parsers.trivy",
    "npm-audit": "secscan.parsers.npm_audit",
    "gitlab": "secscan.parsers.gitlab",
}


def get(tool: str) -> Parser:
    """The parse function for a tool name."""
    if tool not in PARSERS:
        raise UsageError(f"unknown tool {tool!r} for import (known: {', '.join(PARSERS)})")
    parser: Parser = importlib.import_module(PARSERS[tool]).parse
    return parser


def parse_file(tool: str, path: Path) -> Parsed:
    """Read and parse one tool output file; every problem is a ParseError naming the file."""
    parser = get(tool)
    try:
        size = path.stat().st_size
        if size > MAX_INPUT_BYTES:
            raise ParseError(tool, str(path), f"file is {size // (1024 * 1024)} MB, over the "
                                              f"{MAX_INPUT_BYTES // (1024 * 1024)} MB limit")
        data = path.read_bytes()
    except OSError as exc:
        raise ParseError(tool, str(path), exc.strerror or str(exc)) from None
    return parser(data, str(path))
