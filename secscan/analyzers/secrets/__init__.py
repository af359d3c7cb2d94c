"""secscan's own secret detection engine (``secscan-secrets``): patterns as data, fast matching, redaction."""

from __future__ import annotations

from secscan.analyzers.secrets.engine import (
    COVERAGE_KEYS,
    ScanOptions,
    ScanResult,
    SecretEngine,
    get_engine,
    scan_bytes,
    scan_paths,
)
from secscan.analyzers.secrets.patterns import Pattern, load_patterns
from secscan.analyzers.secrets.redact import mask, redact_text, secret_hash

__all__ = [
    "COVERAGE_KEYS",
    "Pattern",
    "ScanOptions",
    "ScanResult",
    "SecretEngine",
    "get_engine",
    "load_patterns",
    "mask",
    "redact_text",
    "scan_bytes",
    "scan_paths",
    "secret_hash",
]
