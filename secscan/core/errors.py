"""The project's own exceptions."""

from __future__ import annotations


class SecscanError(Exception):
    """Base class; the CLI turns these into one line and exit code 2."""


class ParseError(SecscanError):
    """Tool output that cannot be normalized: names the tool and the source."""

    def __init__(self, tool: str, source: str, problem: str) -> None:
        super().__init__(f"{source}: cannot read as {tool} output: {problem}")
        self.tool = tool
        self.source = source
        self.problem = problem


class UsageError(SecscanError):
    """Bad options or configuration."""
