"""secscan: run and normalize security scanners with honest scanner health."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
