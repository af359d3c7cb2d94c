"""Every scanner secscan knows, and which commands run which. Adding a scanner is one line here."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from secscan.scanners.interface import Scanner

# name -> "module:Class"; imported lazily so one broken adapter cannot break the others.
SCANNERS: dict[str, str] = {
    "bandit": "secscan.scanners.bandit:BanditScanner",
    "semgrep": "secscan.scanners.semgrep:SemgrepScanner",
    "pip-audit": "secscan.scanners.pip_audit:PipAuditScanner",
    "npm-audit": "secscan.scanners.npm_audit:NpmAuditScanner",
    "detect-secrets": "secscan.scanners.detect_secrets:DetectSecretsScanner",
    "secscan-secrets": "secscan.scanners.secscan_secrets:SecscanSecretsScanner",
    "trivy": "secscan.scanners.trivy:TrivyFsScanner",
    "trivy-image": "secscan.scanners.trivy:TrivyImageScanner",
    "pqc": "secscan.scanners.pqc:PqcScanner",
    "mtls": "secscan.scanners.mtls:MtlsScanner",
}

COMMANDS: dict[str, tuple[str, ...]] = {
    "all": tuple(SCANNERS),
    "sast": ("bandit", "semgrep"),
    "deps": ("pip-audit", "npm-audit"),
    "secrets": ("detect-secrets", "secscan-secrets"),
    "container": ("trivy-image",),
}


def create(name: str) -> Scanner:
    """A new scanner instance by its report name."""
    module, cls = SCANNERS[name].split(":")
    factory: Callable[[], Scanner] = getattr(importlib.import_module(module), cls)
    return factory()
