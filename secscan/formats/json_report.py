"""The JSON report (schema_version "1"): the source of truth every other format renders from. The dict
shape itself lives in secscan.core.serialize (the cache and merge use it too); this adds text and schema."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from secscan.core.errors import ParseError
from secscan.core.model import Result
from secscan.core.serialize import SCHEMA_VERSION, result_from_dict, to_dict

__all__ = ["SCHEMA_VERSION", "dumps", "from_dict", "loads", "schema", "to_dict", "validate"]


def dumps(r: Result) -> str:
    """Serialized report."""
    return json.dumps(to_dict(r), indent=2, sort_keys=False, ensure_ascii=False) + "\n"


@cache
def schema() -> dict[str, Any]:
    """The JSON Schema of the report, shipped in the package."""
    text = resources.files("secscan.formats").joinpath("schema/secscan-report.schema.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def validate(data: Mapping[str, Any]) -> None:
    """Raise jsonschema.ValidationError when data is not a valid report."""
    import jsonschema

    jsonschema.validate(instance=data, schema=schema())


def from_dict(data: Mapping[str, Any], source: str = "<result>") -> Result:
    """Load a report written by secscan (validated against the schema first)."""
    import jsonschema

    try:
        validate(data)
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "top level"
        raise ParseError("secscan", source, f"not a secscan report ({where}: {exc.message[:200]})") from None
    return result_from_dict(data)


def loads(text: str | bytes, source: str = "<result>") -> Result:
    """Parse report text."""
    from secscan.parsers.interface import load_json

    data = load_json(text, "secscan", source)
    if not isinstance(data, dict):
        raise ParseError("secscan", source, "not a secscan report (top level is not an object)")
    return from_dict(data, source)


