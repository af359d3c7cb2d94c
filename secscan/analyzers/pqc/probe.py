"""Safe, in-process probe for the liboqs shared library: ctypes only, `oqs` is never imported here."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from secscan.analyzers.pqc import child
from secscan.analyzers.pqc.result import Probe


def probe_library(env: Mapping[str, str] | None = None) -> Probe:
    """Search the way liboqs-python does (system path, then OQS_INSTALL_PATH or ~/_oqs) and load it."""
    try:
        res = child.search_liboqs(env)
    except Exception as exc:  # a broken ctypes setup must not stop the scan
        return Probe(None, None, (), error=f"{type(exc).__name__}: {exc}")
    return Probe(res["found"], res["version"], tuple(res["searched"]), res["error"])


def child_source() -> str:
    """The child script, sent to the interpreter under test with ``python -c``."""
    return Path(child.__file__).read_text("utf-8")
