"""Run one scanner: its executable, canary, version, execution, canary check, coverage sanity.

A tool scanner's executable is found by the runner (secscan's own environment first, then PATH) and the path
used is recorded in the outcome. A missing executable is never a silent pass: a tool that ships with secscan
(bandit, semgrep, detect-secrets, pip-audit) is failed with the reinstall hint, so is any scanner the run
requires; an optional external tool (trivy, npm) is skipped with a hint on how to install it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from secscan.core.model import (
    CanaryState,
    Category,
    Finding,
    Location,
    Parsed,
    ScannerResult,
    SkipCause,
    Status,
)
from secscan.process.runner import Runner
from secscan.scanners import managed, registry
from secscan.scanners.interface import (
    Canary,
    CoverageKind,
    ScanContext,
    Scanner,
    ToolScanner,
    in_canary_dir,
)

_VERSION = re.compile(r"(\d+\.\d+(?:\.\d+)?(?:[.-]?[a-z0-9]+)?)")


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


def canary_root(canary_dir: Path, target: Path) -> str:
    """This run's canary folder as findings name it: relative to the target when inside it, else absolute."""
    return canary_dir.relative_to(target).as_posix() if canary_dir.is_relative_to(target) else str(canary_dir)


def _write_canary(canary: Canary, canary_dir: Path, scanner: str, target: Path) -> list[Path]:
    folder = canary_dir / scanner
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, content in canary.files.items():
        (folder / name).write_text(content, "utf-8")
        full = folder / name
        paths.append(full.relative_to(target) if full.is_relative_to(target) else full)
    return paths


class VersionTimeout(Exception):
    """The tool did not even answer --version within the scanner's timeout."""


def executable_of(scanner: Scanner, ctx: ScanContext, runner: Runner) -> str | None:
    """The path of the executable this run of the scanner starts (None: in process, or not needed)."""
    if isinstance(scanner, ToolScanner) and scanner.needs_executable(ctx):
        return runner.which(scanner.tool.executable)
    return None


def missing_tool(scanner: Scanner, ctx: ScanContext, runner: Runner, required: bool) -> ScannerResult | None:
    """The outcome of a tool scanner whose executable is not found (None when it is, or none is needed):
    failed for a tool that ships with secscan or a required scanner, else skipped; with the hint."""
    if not isinstance(scanner, ToolScanner) or not scanner.needs_executable(ctx):
        return None
    tool = scanner.tool
    if tool.managed:  # installed by secscan on first use (scanners/managed.py)
        problem = managed.ensure(tool, runner)
        if problem is None:
            return None
        return ScannerResult(scanner.name, Status.FAILED, reason=f"{problem}: {tool.missing_hint()}",
                             required=required, categories=categories(scanner))
    if runner.which(tool.executable) is not None:
        return None
    status = Status.FAILED if tool.bundled or required else Status.SKIPPED
    note = "" if tool.bundled or not required else f" ({scanner.name} is required by this run)"
    reason = f"{runner.not_found(tool.executable)}: {tool.missing_hint()}{note}"
    return ScannerResult(scanner.name, status, reason=reason, required=required,
                         categories=categories(scanner),
                         skip=SkipCause.NOT_INSTALLED if status is Status.SKIPPED else None)


def read_version(runner: Runner, scanner: Scanner, ctx: ScanContext) -> str | None:
    """The tool's version from its --version output (None when it does not run); the probe is bound by
    the scanner's own timeout too (raises VersionTimeout when it hangs that long)."""
    if not isinstance(scanner, ToolScanner):
        return None
    inv = scanner.version_command(ctx)
    bound = min(inv.timeout, ctx.timeout)
    res = runner.run(replace(inv, timeout=bound))
    if res.timed_out and bound < inv.timeout:
        raise VersionTimeout(f"timed out after {ctx.timeout:.0f}s (`{' '.join(inv.argv)}` did not answer)")
    if res.error or res.timed_out:
        return None
    m = _VERSION.search(res.stdout.decode("utf-8", "replace") or res.stderr.decode("utf-8", "replace"))
    return m.group(1) if m else None


def _version_in_output(scanner: Scanner) -> bool:
    return isinstance(scanner, ToolScanner) and scanner.tool.version_in_output


def check_canary(scanner: Scanner, ctx: ScanContext, canary: Canary, found: Sequence[Finding]
                 ) -> tuple[bool, str]:
    """Whether the canary was detected, and a text saying what was expected and seen."""
    disabled = set(scanner.disabled_canary_ids(ctx)) & set(canary.expected)
    expected = set(canary.expected) - disabled
    got: set[str] = set()
    for f in found:
        got |= scanner.canary_keys(f)
    if not expected:
        return False, (f"canary not detected: the configuration disables every expected check "
                       f"({', '.join(sorted(disabled))})")
    hit = expected & got
    missing = expected - got
    off = f" ({', '.join(sorted(disabled))} disabled by configuration)" if disabled else ""
    if not hit or (canary.require_all and missing):
        need = "all of" if canary.require_all else "at least one of"
        return False, (f"canary not detected: expected {need} {', '.join(sorted(expected))}{off}; "
                       f"missing {', '.join(sorted(missing))}")
    return True, f"canary detected ({len(hit)}/{len(expected)}){off}"


def categories(scanner: Scanner) -> tuple[Category, ...]:
    """The finding categories a scanner declares, as its outcome carries them (for the report formats)."""
    return tuple(sorted(scanner.info.categories))


def counts_files(name: str) -> bool:
    """True when the scanner's tool counts the files it scanned, the canary included (bandit, semgrep)."""
    return name in registry.SCANNERS and registry.info(name).coverage is CoverageKind.FILES_SCANNED


def coverage_sanity(name: str, parsed: Parsed, files: Sequence[str], canary_files: int
                    ) -> tuple[Status, str | None]:
    """At most partial when a tool that counts its files (bandit, semgrep) reports far fewer files scanned
    than it was given."""
    status, reason = parsed.status, parsed.reason
    if status is not Status.OK:
        return status, reason
    scanned = parsed.coverage.get("files_scanned")
    if counts_files(name) and scanned is not None and files:
        real = max(0, scanned - canary_files)
        if real == 0:
            return Status.PARTIAL, f"{name} scanned 0 of {len(files)} Python files"
        if real < len(files) * 0.9:
            return Status.PARTIAL, f"{name} scanned {real} of {len(files)} Python files"
    return status, reason


def _judge_canary(scanner: Scanner, ctx: ScanContext, canary: Canary | None, canary_found: Sequence[Finding],
                  status: Status, reason: str | None, parsed: Parsed, enabled: bool
                  ) -> tuple[Status, str | None, CanaryState]:
    """(status, reason, canary state) once the canary's findings are checked."""
    if not enabled:
        return status, reason, CanaryState.DISABLED
    if canary is None:
        return status, reason, CanaryState.NOT_APPLICABLE
    if status not in (Status.OK, Status.PARTIAL):
        return status, reason, CanaryState.NOT_CHECKED
    ok, text = check_canary(scanner, ctx, canary, canary_found)
    if ok:
        return status, reason, CanaryState.DETECTED
    note = (parsed.evidence or {}).get("canary_note")
    text += f"; {note}" if note else ""
    return Status.FAILED, text + (f"; {reason}" if reason else ""), CanaryState.MISSING


def execute(scanner: Scanner, ctx: ScanContext, files: Sequence[str], runner: Runner,
            canary_dir: Path | None, required: bool) -> ScannerRun:
    """Run the scanner and judge its health; never raises for tool problems.

    The canary's findings are checked and removed here: they never reach a report, a count or the gate.
    """
    start = time.monotonic()
    missing = missing_tool(scanner, ctx, runner, required)
    if missing is not None:
        return ScannerRun(missing, (), tuple(files))
    exe = executable_of(scanner, ctx, runner)
    canary = scanner.canary(ctx) if canary_dir is not None else None
    canary_paths = _write_canary(canary, canary_dir, scanner.name, ctx.target) if canary and canary_dir \
        else []
    try:
        version = None if _version_in_output(scanner) else read_version(runner, scanner, ctx)
    except VersionTimeout as exc:
        spent = time.monotonic() - start
        result = ScannerResult(scanner.name, Status.TIMEOUT, None, spent, str(exc), required=required,
                               canary=CanaryState.MISSING if canary else None, categories=categories(scanner),
                               executable=exe)
        return ScannerRun(result, (), tuple(files))
    out = scanner.execute(ctx, files, canary_paths, runner)
    parsed = out.parsed
    if parsed.version is None and _version_in_output(scanner):  # the output lacked it: ask the tool
        try:
            version = read_version(runner, scanner, ctx)
        except VersionTimeout:
            version = None
    findings = [f.with_(location=Location(relativize(f.location.path, ctx.target), f.location.start_line,
                                          f.location.end_line, f.location.image, f.location.layer))
                if f.location else f for f in parsed.findings]
    canary_found, real = scanner.split_canary(findings, [str(p) for p in canary_paths])
    # another scanner's canary file in this run's folder (trivy reads the whole tree): only secscan's own
    # canary folders count, never a folder of the tree that merely has a canary-like name
    dirs = (*ctx.canary_dirs, *([canary_root(canary_dir, ctx.target)] if canary_dir is not None else []))
    canary_found += [f for f in real if f.location and in_canary_dir(f.location.path, dirs)]
    real = [f for f in real if not (f.location and in_canary_dir(f.location.path, dirs))]
    status, reason = coverage_sanity(scanner.name, parsed, files, len(canary_paths))
    status, reason, canary_state = _judge_canary(scanner, ctx, canary, canary_found, status, reason, parsed,
                                                 canary_dir is not None)
    evidence = dict(parsed.evidence) if parsed.evidence else None
    coverage = dict(parsed.coverage)
    if scanner.info.coverage is CoverageKind.FILES_SCANNED and "files_scanned" in coverage:  # canary too
        coverage["files_scanned"] = max(0, int(coverage["files_scanned"]) - len(canary_paths))
    return ScannerRun(ScannerResult(
        name=scanner.name, status=status, version=parsed.version or version,
        duration_s=time.monotonic() - start, reason=reason, findings=len(real),
        coverage=coverage, evidence=evidence, canary=canary_state, required=required,
        categories=categories(scanner), executable=exe,
        skip=parsed.skip if status is Status.SKIPPED else None),
        tuple(real), tuple(files))
