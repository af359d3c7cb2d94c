"""What every normalizer returns, and the helpers they share.

A parser is a pure function ``parse(text, source) -> Parsed``: it reads only the text it is given and
raises only :class:`secscan.core.errors.ParseError`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from secscan.core.errors import ParseError
from secscan.core.model import Parsed

MAX_INPUT_BYTES = 200 * 1024 * 1024


Parser = Callable[[str | bytes, str], Parsed]


def load_json(text: str | bytes, tool: str, source: str) -> Any:
    """Decode JSON or raise ParseError naming the tool, the source and the problem."""
    if isinstance(text, bytes):
        if len(text) > MAX_INPUT_BYTES:
            raise ParseError(tool, source, f"input is larger than {MAX_INPUT_BYTES // (1024 * 1024)} MB")
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ParseError(tool, source, f"not UTF-8 (byte {exc.start})") from None
    if not text.strip():
        raise ParseError(tool, source, "empty output")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(
            tool, source, f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:
        raise ParseError(tool, source, "JSON nested too deeply") from None
    except ValueError as exc:  # e.g. integer literals over Python's digit limit
        raise ParseError(tool, source, f"invalid JSON: {str(exc)[:120]}") from None


def expect(cond: bool, tool: str, source: str, problem: str) -> None:
    """Raise ParseError unless cond holds."""
    if not cond:
        raise ParseError(tool, source, problem)


def as_dict(value: Any, tool: str, source: str, what: str) -> dict[str, Any]:
    """The value as a dict, or ParseError."""
    if not isinstance(value, dict):
        raise ParseError(tool, source, f"{what} is {type(value).__name__}, expected an object")
    return value


def as_list(value: Any, tool: str, source: str, what: str) -> list[Any]:
    """The value as a list, or ParseError."""
    if not isinstance(value, list):
        raise ParseError(tool, source, f"{what} is {type(value).__name__}, expected a list")
    return value


def opt_str(value: Any) -> str | None:
    """A non-empty string or None."""
    return value if isinstance(value, str) and value else None


def opt_int(value: Any) -> int | None:
    """A positive int (not bool) or None."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def norm_path(path: str) -> str:
    """Forward slashes, no leading ./"""
    p = path.replace("\\", "/")
    while p.startswith("./"):
        p = p[2:]
    return p


def cwe_ids(value: Any) -> tuple[str, ...]:
    """CWE identifiers from an int, 'CWE-79: ...' string, or a list of either."""
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        if isinstance(item, bool):
            continue
        if isinstance(item, int):
            if 0 <= item < 10_000_000:
                out.append(f"CWE-{item}")
        elif isinstance(item, dict) and isinstance(item.get("id"), int | str):
            out.extend(cwe_ids(item["id"]))
        elif isinstance(item, str):
            head = item.split(":", 1)[0].strip().upper()
            num = head.removeprefix("CWE-").removeprefix("CWE")
            if num.isascii() and num.isdigit() and len(num) <= 7:
                out.append(f"CWE-{int(num)}")
    return tuple(dict.fromkeys(out))
