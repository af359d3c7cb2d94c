"""Parametrising over the files of ../shared/samples: a test whose sample set is empty (the shared material
is absent) skips with the README's ``[shared]`` tag, not pytest's untagged "got empty parameter set"."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest


def or_skip(values: Iterable[Any], what: str) -> list[Any]:
    """The values, or one parameter that skips with a ``[shared]`` reason naming what is missing."""
    items = list(values)
    if items:
        return items
    reason = f"[shared] no {what} in ../shared/samples (the shared test material is absent)"
    return [pytest.param(None, marks=pytest.mark.skip(reason=reason), id="no-shared-samples")]
