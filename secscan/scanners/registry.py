"""Every scanner secscan knows, and which commands run which. Adding a scanner is one line here.

Each scanner class declares its own ``ScannerInfo``; ``info()`` and ``infos()`` read those declarations, and
every table that lists scanners elsewhere (doctor's executables, staleness producers, GitLab report kinds,
cache policies) is derived from them, so it cannot miss a scanner registered here.
"""

from __future__ import annotations

import importlib

from secscan.scanners.interface import Scanner, ScannerInfo

# name -> "module:Class"; imported lazily so one broken adapter cannot break the others.
SCANNERS: dict[str, str] = {
    "bandit": "secscan.scanners.bandit:BanditScanner",
    "semgrep": "secscan.scanners.semgrep:SemgrepScanner",
    "pip-audit": "secscan.scanners.pip_audit:PipAuditScanner",
    "npm-audit": "secscan.scanners.npm_audit:NpmAuditScanner",
    "detect-secrets": "secscan.scanners.detect_secrets:DetectSecretsScanner",
    "secscan-secrets": "secscan.scanners.secscan_secrets:SecscanSecretsScanner",
    "secscan-history": "secscan.scanners.secscan_history:SecscanHistoryScanner",
    "notebooks": "secscan.scanners.notebooks:NotebookScanner",
    "trivy": "secscan.scanners.trivy:TrivyFsScanner",
    "checkov": "secscan.scanners.checkov:CheckovScanner",
    "trivy-image": "secscan.scanners.trivy:TrivyImageScanner",
    "pqc": "secscan.scanners.pqc:PqcScanner",
    "mtls": "secscan.scanners.mtls:MtlsScanner",
}

COMMANDS: dict[str, tuple[str, ...]] = {
    "all": tuple(SCANNERS),
    "sast": ("bandit", "semgrep", "notebooks"),
    "deps": ("pip-audit", "npm-audit"),
    "secrets": ("detect-secrets", "secscan-secrets", "secscan-history"),
    "container": ("trivy-image",),
}


def scanner_class(name: str) -> type[Scanner]:
    """The adapter class of a registered scanner (its module is imported on first use)."""
    module, cls = SCANNERS[name].split(":")
    found = getattr(importlib.import_module(module), cls)
    if not (isinstance(found, type) and issubclass(found, Scanner)):
        raise TypeError(f"{SCANNERS[name]} is not a Scanner")
    return found


def info(name: str) -> ScannerInfo:
    """What a registered scanner declares about itself."""
    declared = scanner_class(name).info
    if declared.name != name:
        raise ValueError(f"{SCANNERS[name]} declares the name {declared.name!r}, registered as {name!r}")
    return declared


def infos() -> dict[str, ScannerInfo]:
    """Every registered scanner's declaration, in registry order."""
    return {name: info(name) for name in SCANNERS}


def create(name: str) -> Scanner:
    """A new scanner instance by its report name."""
    return scanner_class(name)()
