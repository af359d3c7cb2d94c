"""Shared hypothesis strategies and checks for the parser fuzz tests."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from secscan.core.errors import ParseError
from secscan.core.model import Parsed, Severity
from secscan.core.serialize import finding_to_dict

FUZZ = settings(
    max_examples=250,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def json_values(keys: Sequence[str], words: Sequence[Any]) -> st.SearchStrategy[Any]:
    """Arbitrary JSON whose object keys often are the tool's own field names and whose scalars its words."""
    scalars = (
        st.none()
        | st.booleans()
        | st.integers(min_value=-(2**70), max_value=2**70)
        | st.floats()
        | st.text(max_size=12)
        | st.sampled_from(list(words))
    )
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.dictionaries(st.sampled_from(list(keys)) | st.text(max_size=6), inner, max_size=5)
        ),
        max_leaves=25,
    )


def only_parse_error(parse: Callable[[str | bytes, str], Parsed], tool: str, text: str | bytes) -> None:
    """parse either raises the tool's ParseError or returns well-formed, unfingerprinted findings."""
    try:
        parsed = parse(text, "fuzz")
    except ParseError as exc:
        assert exc.tool == tool
        return
    assert isinstance(parsed, Parsed) and parsed.tool == tool
    for f in parsed.findings:
        assert isinstance(f.severity, Severity) and f.fingerprint == ""
        json.dumps(finding_to_dict(f))


def json_paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path (keys and indexes) inside a JSON document, the root included."""
    out = [prefix]
    items = obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, list) else []
    for key, val in items:
        out.extend(json_paths(val, (*prefix, key)))
    return out


def mutate(doc: Any, path: tuple[Any, ...], new: Any, delete: bool) -> Any:
    """Replace (or delete) the value at path in doc; returns the document (a new root for the empty path)."""
    if not path:
        return new
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    if delete:
        if isinstance(parent, dict):
            parent.pop(path[-1], None)
        else:
            del parent[path[-1]]
    else:
        parent[path[-1]] = new
    return doc
