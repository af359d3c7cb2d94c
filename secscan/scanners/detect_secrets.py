"""detect-secrets, always with ``--all-files`` so a folder outside git is scanned for real.

A target's ``.secrets.baseline`` supplies the team's plugin and filter settings: a fresh copy is used for
every invocation, the original is never modified. A baseline whose ``plugins_used`` lacks AWSKeyDetector
disables the canary's check, so the canary fails and says why.

Coverage is measured, not assumed: detect-secrets runs with ``-v``, which logs "Checking file: NAME" for
every file it opens and "Skipping "NAME" due to FILTER" for every file a filter drops. ``files_scanned``
counts the first, ``files_skipped_by_filters`` the second, and ``files_unaccounted`` the files it was
given that appear in neither (detect-secrets silently drops missing files, symbolic links leading out of
the folder and files outside its working directory). No text file checked, or many files unaccounted
for, is ``partial`` with the numbers in the reason.

The canary must sit inside the working directory: detect-secrets drops files outside it. The engine puts
the canary folder inside the target when the target is writable, and the canary then rides in the same
invocation as the real files. For a read-only target the canary folder is elsewhere; the canary is then
scanned by a second detect-secrets invocation, run in the canary folder with the same baseline settings
and flags. It still proves that this detect-secrets and this configuration detect an AWS key, but not
that the real invocation did: the evidence says so (``canary_run``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from secscan.core.model import Category, Finding, Location, Parsed, Status
from secscan.parsers import detect_secrets as ds_parser
from secscan.process.runner import Invocation, ProcResult
from secscan.scanners import canaries
from secscan.scanners import detect_secrets_stage as ds_stage
from secscan.scanners.detect_secrets_prefilter import (
    PREFILTER_VERSION,
    Conditions,
    Unavailable,
    canonical_plugins,
    derive,
)
from secscan.scanners.interface import (
    CachePolicy,
    Canary,
    ScanContext,
    ScannerInfo,
    ScanOutput,
    Tool,
    ToolScanner,
    in_canary_dir,
)
from secscan.scanners.status import parse_tool_output

if TYPE_CHECKING:
    from secscan.process.runner import Runner

BASELINE = ".secrets.baseline"
CANARY_FILE = "canary_credentials.ini"
CANARY_PLUGIN = "AWSKeyDetector"
SEPARATE_CANARY_RUN = "separate invocation in the canary folder (the target is not writable)"
UNACCOUNTED_LIMIT = 0.1  # more than this share of the given files silently dropped: partial
_CHECKING = re.compile(r"^\[scan\]\s+INFO\s+Checking file: (.+)$")
_SKIPPING = re.compile(r'^\[scan\]\s+INFO\s+Skipping "(.+)" due to `([^`]+)`$')
_UNOPENED = re.compile(r"^\[scan\]\s+WARNING\s+Unable to open file: (.+)$")
_ERROR = re.compile(r"^\[\w+\]\s+ERROR\s+(.+)$")


@dataclass
class ScanLog:
    """What detect-secrets' ``-v`` log says it did with each file."""

    checked: set[str] = field(default_factory=set)
    skipped: dict[str, str] = field(default_factory=dict)  # file -> filter
    unopened: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)


def read_log(stderr: bytes) -> ScanLog:
    """Parse detect-secrets' verbose log (stderr)."""
    log = ScanLog()
    for line in stderr.decode("utf-8", "replace").splitlines():
        line = line.rstrip()
        if m := _CHECKING.match(line):
            log.checked.add(m.group(1))
        elif m := _SKIPPING.match(line):
            log.skipped[m.group(1)] = m.group(2).rsplit(".", 1)[-1]
        elif m := _UNOPENED.match(line):
            log.unopened.add(m.group(1))
        elif m := _ERROR.match(line):
            log.errors.append(m.group(1))
    return log


def log_coverage(log: ScanLog, given: int, canary_dirs: Sequence[str] = ()) -> dict[str, int]:
    """Coverage counts of the real files from the log (not those in secscan's canary folders)."""
    checked = {f for f in log.checked if not in_canary_dir(f, canary_dirs)}
    skipped = {f: why for f, why in log.skipped.items() if not in_canary_dir(f, canary_dirs)}
    unopened = {f for f in log.unopened if not in_canary_dir(f, canary_dirs)}
    cov = {"files_given": given, "files_scanned": len(checked), "files_skipped_by_filters": len(skipped),
           "files_unreadable": len(unopened)}
    cov["files_unaccounted"] = max(0, given - len(checked) - len(skipped) - len(unopened))
    return cov


def coverage_verdict(cov: dict[str, int], log: ScanLog) -> tuple[Status, str | None]:
    """partial when detect-secrets checked no text file, or dropped many files without saying so."""
    given, scanned = cov["files_given"], cov["files_scanned"]
    skipped, lost = cov["files_skipped_by_filters"], cov["files_unaccounted"]
    unreadable = cov["files_unreadable"]
    if given and scanned == 0 and skipped < given:
        errs = f" ({'; '.join(log.errors[:2])})" if log.errors else ""
        return Status.PARTIAL, (f"detect-secrets checked 0 of {given} file(s) ({skipped} skipped by its "
                                f"filters, {lost} silently dropped){errs}")
    if given and lost > given * UNACCOUNTED_LIMIT:
        return Status.PARTIAL, (f"detect-secrets checked {scanned} of {given} file(s): {lost} dropped "
                                f"without a log line, {skipped} skipped by its filters")
    if unreadable:
        return Status.PARTIAL, f"detect-secrets could not open {unreadable} file(s)"
    return Status.OK, None


def baseline_plugins(target: Path) -> list[str] | None:
    """Plugin names in the target's .secrets.baseline (None: no baseline or no plugins_used list)."""
    path = target / BASELINE
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text("utf-8", "replace"))
    except ValueError:
        return None
    plugins = data.get("plugins_used") if isinstance(data, dict) else None
    if not isinstance(plugins, list):
        return None
    return [str(p.get("name")) for p in plugins if isinstance(p, dict)]


def _canary_note(log: ScanLog, target: Path, canary_dirs: Sequence[str]) -> str | None:
    notes = []
    plugins = baseline_plugins(target)
    if plugins is not None and CANARY_PLUGIN not in plugins:
        notes.append(f"{BASELINE} plugins_used ({len(plugins)} plugin(s)) has no {CANARY_PLUGIN}")
    for name, why in log.skipped.items():
        if in_canary_dir(name, canary_dirs):
            notes.append(f"detect-secrets skipped the canary file due to {why}")
    if log.errors:
        notes.append("detect-secrets: " + "; ".join(dict.fromkeys(log.errors)))
    return "; ".join(notes) or None


class DetectSecretsScanner(ToolScanner):
    """Runs ``detect-secrets -v scan --all-files`` on the target's files plus the canary."""

    info = ScannerInfo("detect-secrets", Category.SECRET,
                       Tool("detect-secrets", package="detect-secrets", version_in_output=True),
                       config_files=(BASELINE,), cache=CachePolicy.PER_FILE, busy=True,
                       rule_ids=(r"^detect-secrets\.",))

    def applies(self, ctx: ScanContext, files: Sequence[str]) -> str | None:
        return None if files else "no files to scan"

    def canary(self, ctx: ScanContext) -> Canary:
        return Canary({CANARY_FILE: canaries.fake_aws_key_file()}, frozenset({"aws-key"}))

    def disabled_canary_ids(self, ctx: ScanContext) -> frozenset[str]:
        plugins = baseline_plugins(ctx.target)
        return frozenset({"aws-key"}) if plugins is not None and CANARY_PLUGIN not in plugins else frozenset()

    def canary_keys(self, finding: Finding) -> set[str]:
        text = f"{finding.rule_id} {finding.title} {finding.properties.get('type', '')}".lower()
        return {"aws-key"} if "aws" in text else set()

    def _run(self, ctx: ScanContext, cwd: Path, names: Sequence[str], tmp: Path,
             runner: Runner) -> ProcResult:
        """One invocation; with a baseline, its fresh copy is the output."""
        argv = ["detect-secrets", "-v", "scan", "--all-files"]
        copy: Path | None = None
        if (ctx.target / BASELINE).is_file():
            fd, name = tempfile.mkstemp(prefix="baseline-", suffix=".json", dir=tmp)
            os.close(fd)
            copy = Path(name)
            shutil.copyfile(ctx.target / BASELINE, copy)
            argv += ["--baseline", str(copy)]
        res = runner.run(Invocation((*argv, "--", *names), cwd, ctx.timeout, label="detect-secrets"))
        if copy is not None and res.returncode == 0 and not res.error and not res.timed_out:
            res = ProcResult(res.invocation, 0, copy.read_bytes(), res.stderr, res.duration_s)
        return res

    def cache_salt(self, ctx: ScanContext) -> str:
        return super().cache_salt(ctx) + "\0" + prefilter_salt(ctx)

    def _run_prefiltered(self, ctx: ScanContext, names: Sequence[str], tmp: Path,
                         runner: Runner) -> tuple[ProcResult, str]:
        """detect-secrets on the prefiltered copies (or on the real files when the prefilter is off or its
        assumptions do not hold for the tool that ran), and the prefilter's note for the evidence. The
        time spent making the copies counts in the result's duration."""
        started = time.monotonic()
        try:
            if not prefilter_on(ctx):
                raise Unavailable("--no-prefilter")
            cond = derive(read_baseline(ctx.target))
            stats = ds_stage.stage(ctx.target, names, tmp / "copies", cond)
        except Unavailable as exc:
            return self._run(ctx, ctx.target, names, tmp, runner), f"off: {exc}"
        staged = time.monotonic() - started
        res = self._run(ctx, tmp / "copies", names, tmp, runner)
        problem = _assumption_broken(res, cond)
        if problem:
            return self._run(ctx, ctx.target, names, tmp, runner), f"off: {problem}; ran again on whole files"
        res = _map_lines(res, stats)
        note = f"on ({cond.engine}, copies made in {staged:.1f} s): {stats.describe()}"
        return replace(res, duration_s=res.duration_s + staged), note

    def execute(self, ctx: ScanContext, files: Sequence[str], canary_files: Sequence[Path],
                runner: Runner) -> ScanOutput:
        inside = [str(p) for p in canary_files if not p.is_absolute()]
        outside = [p for p in canary_files if p.is_absolute()]
        with tempfile.TemporaryDirectory(prefix="secscan-ds-") as tmp:
            first, note = self._run_prefiltered(ctx, [*files, *inside], Path(tmp), runner)
            results = [first]
            for path in outside:
                results.append(self._run(ctx, path.parent, [path.name], Path(tmp), runner))
        spent = sum(r.duration_s for r in results)
        for res in results:
            if res.timed_out:
                why = f"timed out after {ctx.timeout:.0f}s"
                return ScanOutput(Parsed(self.name, status=Status.TIMEOUT, reason=why), spent, len(results))
            if res.error:
                failed = Parsed(self.name, status=Status.FAILED, reason=res.error)
                return ScanOutput(failed, spent, len(results))
        dirs = (*ctx.canary_dirs, *dict.fromkeys(str(p.parent) for p in canary_files))
        parsed = self._combine(ctx, files, results, outside, dirs)
        parsed = replace(parsed, evidence={**(parsed.evidence or {}), "prefilter": note})
        return ScanOutput(parsed, spent, len(results))

    def _combine(self, ctx: ScanContext, files: Sequence[str], results: Sequence[ProcResult],
                 outside: Sequence[Path], canary_dirs: Sequence[str]) -> Parsed:
        parsed = self.parse(ctx, results[:1])
        findings = list(parsed.findings)
        log = read_log(results[0].stderr)
        evidence: dict[str, Any] = dict(parsed.evidence or {})
        for res, path in zip(results[1:], outside, strict=True):
            extra = self.parse(ctx, [res])
            findings += [f.with_(location=Location(str(path), f.location.start_line, f.location.end_line))
                         for f in extra.findings if f.location is not None]
            extra_log = read_log(res.stderr)
            log.errors += extra_log.errors
            log.skipped.update({str(path.parent / name): why for name, why in extra_log.skipped.items()})
            evidence["canary_run"] = SEPARATE_CANARY_RUN
        if parsed.status is not Status.OK:
            return Parsed(self.name, (), parsed.status, parsed.reason, parsed.coverage, parsed.version,
                          evidence or None)
        cov = {**parsed.coverage, **log_coverage(log, len(files), canary_dirs)}
        if (ctx.target / BASELINE).is_file():
            cov["baseline_settings"] = 1
        status, reason = coverage_verdict(cov, log)
        skipped = Counter(why for f, why in log.skipped.items() if not in_canary_dir(f, canary_dirs))
        if skipped:
            evidence["skipped_by_filter"] = dict(skipped)
        note = _canary_note(log, ctx.target, canary_dirs)
        if note:
            evidence["canary_note"] = note
        return Parsed(self.name, tuple(findings), status, reason, cov, parsed.version, evidence or None)

    def parse(self, ctx: ScanContext, results: Sequence[ProcResult]) -> Parsed:
        (res,) = results
        return parse_tool_output(self.name, "detect-secrets", ds_parser.parse, res, accept=lambda rc: rc == 0,
                                 why=_stderr_problem(res) or "no output")


def read_baseline(target: Path) -> dict[str, Any] | None:
    """The target's .secrets.baseline as JSON (None: none); Unavailable when it cannot be read."""
    path = target / BASELINE
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text("utf-8", "replace"))
    except ValueError as exc:
        raise Unavailable(f"{BASELINE} is not JSON") from exc
    if not isinstance(data, dict):
        raise Unavailable(f"{BASELINE} is not a JSON object")
    return data


def prefilter_on(ctx: ScanContext) -> bool:
    """detect-secrets' own setting ``prefilter`` (config/declare.py; ``--no-prefilter`` turns it off)."""
    return ctx.options.get("prefilter") is not False


def prefilter_salt(ctx: ScanContext) -> str:
    """The cache salt part for the prefilter: whether it may run, its version and detect-secrets'."""
    if not prefilter_on(ctx):
        return "prefilter off"
    try:
        from detect_secrets.__version__ import VERSION as version
    except ImportError:
        version = "not importable"
    return f"prefilter {PREFILTER_VERSION} for detect-secrets {version}"


def _assumption_broken(res: ProcResult, cond: Conditions) -> str | None:
    """Why the prefiltered run cannot stand: detect-secrets reported another version or plugin set than
    the one the conditions were derived from (None: it matches, or the run failed, which is reported)."""
    if res.returncode != 0 or res.error or res.timed_out:
        return None
    try:
        data = json.loads(res.stdout)
        version, plugins = data.get("version"), canonical_plugins(data.get("plugins_used") or [])
    except (ValueError, AttributeError, TypeError):
        return None  # unreadable output is reported by the parser
    if version != cond.version:
        return f"detect-secrets reported version {version}, the prefilter was derived from {cond.version}"
    if plugins != cond.plugins:
        return "detect-secrets reported other plugin settings than the prefilter was derived from"
    return None


def _map_lines(res: ProcResult, stats: ds_stage.StageStats) -> ProcResult:
    """The tool's output with each finding's line number mapped from the copy to the real file."""
    if res.returncode != 0 or res.error or res.timed_out:
        return res
    try:
        data = json.loads(res.stdout)
        for name, items in (data.get("results") or {}).items():
            for item in items:
                item["line_number"] = stats.original_line(name, int(item["line_number"]))
    except (ValueError, AttributeError, TypeError, KeyError):
        return res  # unreadable output is reported by the parser
    return ProcResult(res.invocation, res.returncode, json.dumps(data).encode(), res.stderr, res.duration_s)


def _stderr_problem(res: ProcResult, limit: int = 300) -> str:
    """The last stderr lines that are not ``-v`` progress lines (which only name files)."""
    lines = [ln.strip() for ln in res.stderr.decode("utf-8", "replace").splitlines()
             if ln.strip() and not _CHECKING.match(ln.rstrip()) and not _SKIPPING.match(ln.rstrip())]
    return " | ".join(lines[-3:])[-limit:]
