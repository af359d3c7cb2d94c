"""secscan: run and normalize security scanners with honest scanner health.

``secscan.scan(path, ...)`` is the library API (see docs/api.md); it is imported on first use, so that
``import secscan`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from secscan.core.version import __version__

__all__ = ["ScanReport", "__version__", "scan"]

if TYPE_CHECKING:
    from secscan.api import ScanReport, scan

_LAZY = {"scan": "secscan.api", "ScanReport": "secscan.api"}


def __getattr__(name: str) -> Any:
    """Load the library API lazily (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'secscan' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY})
