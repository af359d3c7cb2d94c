"""Typed access to untrusted JSON for the parsers: any surprise becomes a ParseError naming the field."""

from __future__ import annotations

import math
import re
from typing import Any

from secscan.core.errors import ParseError

_CWE = re.compile(r"\bCWE-?([0-9]{1,9})\b", re.IGNORECASE)


def cwe_list(values: list[Any]) -> tuple[str, ...]:
    """CWE ids from strings ("CWE-79", "CWE-79: XSS", '["CWE-1", "CWE-2"]', "79") and ints; others skipped."""
    out: list[str] = []
    for value in values:
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**9:
            out.append(f"CWE-{value}")
        elif isinstance(value, str):
            found = _CWE.findall(value)
            bare = value.strip()
            if not found and bare.isascii() and bare.isdigit() and len(bare) <= 9:
                found = [bare]
            out.extend(f"CWE-{int(n)}" for n in found)
    return tuple(dict.fromkeys(out))


class Reader:
    """Field readers bound to one tool and one source (for the error messages)."""

    def __init__(self, tool: str, source: str) -> None:
        self.tool = tool
        self.source = source

    def fail(self, problem: str) -> ParseError:
        """The error to raise."""
        return ParseError(self.tool, self.source, problem)

    def obj(self, value: Any, where: str) -> dict[str, Any]:
        """value as an object."""
        if not isinstance(value, dict):
            raise self.fail(f"{where} is {type(value).__name__}, expected an object")
        return value

    def sub(self, d: dict[str, Any], key: str, where: str) -> dict[str, Any]:
        """An optional nested object ({} when absent)."""
        value = d.get(key)
        return {} if value is None else self.obj(value, f"{where}.{key}")

    def seq(self, d: dict[str, Any], key: str, where: str) -> list[Any]:
        """An optional list ([] when absent)."""
        value = d.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(f"{where}.{key} is {type(value).__name__}, expected a list")
        return value

    def text(self, d: dict[str, Any], key: str, where: str, required: bool = False) -> str | None:
        """An optional (or required, non-empty) string."""
        value = d.get(key)
        if value is None or value == "":
            if required:
                raise self.fail(f"{where}.{key} is missing")
            return None
        if not isinstance(value, str):
            raise self.fail(f"{where}.{key} is {type(value).__name__}, expected a string")
        return value

    def texts(self, d: dict[str, Any], key: str, where: str) -> list[str]:
        """An optional list of strings."""
        items = self.seq(d, key, where)
        if not all(isinstance(i, str) for i in items):
            raise self.fail(f"{where}.{key} holds a non-string")
        return items

    def num(self, d: dict[str, Any], key: str, where: str) -> float | None:
        """An optional finite number (None for absent, overflowing or non-finite values)."""
        value = d.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(f"{where}.{key} is {type(value).__name__}, expected a number")
        try:
            number = float(value)
        except OverflowError:
            return None
        return number if math.isfinite(number) else None

    def line(self, d: dict[str, Any], key: str, where: str) -> int | None:
        """An optional line number (>= 1, integral)."""
        value = self.num(d, key, where)
        return int(value) if value is not None and value >= 1 and value == int(value) else None
