"""Run one scanner: applicability, canary, version, execution, canary check, coverage sanity."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from secscan.files import CANARY_PREFIX
from secscan.model import Finding, Location, ScannerResult, Status
from secscan.parsers.interface import Parsed
from secscan.run.runner import Runner
from secscan.scanners.interface import Canary, ScanContext, Scanner

_VERSION = re.compile(r"(\d+\.\d+(?:\.\d+)?(?:[.-]?[a-z0-9]+)?)")
_PYTHON_COVERAGE_SCANNERS = frozenset({"bandit", "semgrep"})


@dataclass(frozen=True)
class ScannerRun:
    """One scanner's outcome and its real (non-canary) findings."""

    result: ScannerResult
    findings: tuple[Finding, ...]
    files: tuple[str, ...] = ()


def relativize(path: str, target: Path) -> str:
    """A tool-reported path relative to the target, with forward slashes."""
    p = path.replace("\\", "/")
    root = str(target).rstrip("/") + "/"
    if p.startswith(root):
        p = p[len(root):]
    while p.startswith("./"):
        p = p[2:]
    return p


def _write_canary(canary: Canary, canary_dir: Path, scanner: str, target: Path) -> list[Path]:
    folder = canary_dir / scanner
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, content in canary.files.items():
        (folder / name).write_text(content, "utf-8")
        full = folder / name
        paths.append(full.relative_to(target) if full.is_relative_to(target) else full)
    return paths


def read_version(runner: Runner, scanner: Scanner, ctx: ScanContext) -> str | None:
    """The tool's version from its --version output (None when it does not run)."""
    inv = scanner.version_invocation(ctx)
    if inv is None:
        return None
    res = runner.run(inv)
    if res.error or res.timed_out:
        return None
    m = _VERSION.search(res.stdout.decode("utf-8", "replace") or res.stderr.decode("utf-8", "replace"))
    return m.group(1) if m else None


def check_canary(scanner: Scanner, ctx: ScanContext, canary: Canary, found: Sequence[Finding]
                 ) -> tuple[bool, str]:
    """Whether the canary was detected, and a text saying what was expected and seen."""
    disabled = scanner.disabled_canary_ids(ctx)
    expected = set(canary.expected) - set(disabled)
    got: set[str] = set()
    for f in found:
        got |= scanner.canary_keys(f)
    if not expected:
        return False, (f"canary not detected: the configuration disables every expected check "
                       f"({', '.join(sorted(disabled))})")
    missing = expected - got
    if (canary.require_all and missing) or not (expected & got):
        return False, (f"canary not detected: expected {', '.join(sorted(expected))}; "
                       f"missing {', '.join(sorted(missing))}")
    return True, f"canary detected ({len(expected & got)}/{len(expected)})"


def _coverage_sanity(name: str, parsed: Parsed, files: Sequence[str], canary_files: int) -> tuple[Status, str | None]:
    status, reason = parsed.status, parsed.reason
    if status is not Status.OK:
        return status, reason
    scanned = parsed.coverage.get("files_scanned")
    if name in _PYTHON_COVERAGE_SCANNERS and scanned is not None and files:
        real = max(0, scanned - canary_files)
        if real == 0:
            return Status.PARTIAL, f"{name} scanned 0 of {len(files)} Python files"
        if real < len(files) * 0.9:
            return Status.PARTIAL, f"{name} scanned {real} of {len(files)} Python files"
    return status, reason


def execute(scanner: Scanner, ctx: ScanContext, files: Sequence[str], runner: Runner,
            canary_dir: Path | None, required: bool) -> ScannerRun:
    """Run the scanner and judge its health; never raises for tool problems."""
    start = time.monotonic()
    canary = scanner.canary(ctx) if canary_dir is not None else None
    canary_paths = _write_canary(canary, canary_dir, scanner.name, ctx.target) if canary and canary_dir else []
    version = read_version(runner, scanner, ctx)
    out = scanner.execute(ctx, files, canary_paths, runner)
    parsed = out.parsed
    findings = [f.with_(location=Location(relativize(f.location.path, ctx.target), f.location.start_line,
                                          f.location.end_line, f.location.image, f.location.layer))
                if f.location else f for f in parsed.findings]
    canary_found, real = scanner.split_canary(findings, [str(p) for p in canary_paths])
    real = [f for f in real if not (f.location and CANARY_PREFIX in f.location.path)]
    status, reason = _coverage_sanity(scanner.name, parsed, files, len(canary_paths))
    canary_state = "disabled" if canary_dir is None else ("not-applicable" if canary is None else None)
    if canary is not None and status in (Status.OK, Status.PARTIAL):
        ok, text = check_canary(scanner, ctx, canary, canary_found)
        canary_state = "detected" if ok else "missing"
        if not ok:
            status, reason = Status.FAILED, text + (f"; {reason}" if reason else "")
    elif canary is not None:
        canary_state = "not-checked"
    evidence = dict(parsed.evidence) if parsed.evidence else None
    return ScannerRun(ScannerResult(
        name=scanner.name, status=status, version=parsed.version or version,
        duration_s=time.monotonic() - start, reason=reason, findings=len(real), coverage=dict(parsed.coverage),
        evidence=evidence, canary=canary_state, required=required), tuple(real), tuple(files))
