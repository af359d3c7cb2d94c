"""semgrep with the rules bundled in rules/semgrep, always offline-safe.

semgrep runs with ``--disable-nosem``: a finding on a ``# nosemgrep`` line is reported, marked with the
marker (``scanners/native_markers.py``), and suppressed by secscan as "inline marker without reason", visibly.

The rules folder can be replaced (``ctx.rules_dir``, or the ``semgrep_rules`` option, e.g. from
``ScanOptions.extra``). The canary expects, by rule id, every canary rule the folder declares; a folder that
declares none of them must still flag at least one canary line (its own rules), else the canary fails.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from secscan.core.errors import ParseError
from secscan.core.model import Category, Finding, Parsed, Status
from secscan.core.resources import load_yaml, rules_path, tree_hash
from secscan.parsers import semgrep as semgrep_parser
from secscan.parsers.semgrep_traces import parse_traces
from secscan.process.runner import Invocation, ProcResult
from secscan.scanners import canaries, native_markers
from secscan.scanners.interface import (
    CachePolicy,
    Canary,
    CoverageKind,
    ScanContext,
    ScannerInfo,
    ScanOutput,
    Tool,
    ToolScanner,
)

if TYPE_CHECKING:
    from secscan.process.runner import Runner

ENV = {"SEMGREP_ENABLE_VERSION_CHECK": "0", "SEMGREP_SEND_METRICS": "off"}
OFFLINE_FLAGS = ("--metrics=off", "--disable-version-check")
DISABLE_NOSEM = "--disable-nosem"  # every finding reported; secscan suppresses # nosemgrep ones visibly
# Taint traces exist only in semgrep's text report: it goes to stderr beside the JSON on stdout.
TRACE_FLAGS = ("--dataflow-traces", "--text-output=/dev/stderr")
CANARY_FILE = "canary_semgrep.py"
# Lines of canaries.PYTHON_CANARY that hold a problem (for rule folders that declare none of ours).
CANARY_LINES = frozenset(f"line:{n}" for n in canaries.SEMGREP_RULE_LINES.values())
# semgrep's own limit per rule and file is 5 s (then the file is reported as an error: secscan says partial).
# The taint rules cost about 6x the pattern rules' CPU (scripts/bench_sast.py on Django); on a loaded 2-core
# runner 5 s cut 2-4 of Django's largest files. 30 s keeps the limit (a pathological file still ends) without
# turning a busy machine into an incomplete scan.
RULE_TIMEOUT_FLAGS = ("--timeout", "30")


@dataclass(frozen=True)
class RuleFolder:
    """What a rules folder declares, read with PyYAML (independently of semgrep)."""

    ids: tuple[str, ...]  # longest first, for suffix matching
    files: int  # rule files found
    unreadable: tuple[str, ...]  # rule files that are not a valid YAML ``rules:`` document


def read_rules(rules: Path) -> RuleFolder:
    """The rule ids and unreadable rule files under a rules folder (cached by content)."""
    return _read_rules(rules, tree_hash(rules) if rules.exists() else "")


@cache
def _read_rules(rules: Path, _content_hash: str) -> RuleFolder:
    ids: list[str] = []
    bad: list[str] = []
    paths = sorted(rules.rglob("*.y*ml")) if rules.is_dir() else ([rules] if rules.is_file() else [])
    for path in paths:
        try:
            data = load_yaml(path.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            bad.append(path.name)
            continue
        if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
            bad.append(path.name)
            continue
        ids += [r["id"] for r in data["rules"] if isinstance(r, dict) and isinstance(r.get("id"), str)]
    return RuleFolder(tuple(sorted(ids, key=len, reverse=True)), len(paths), tuple(bad))


def bundled_rule_ids(rules: Path) -> tuple[str, ...]:
    """Rule ids declared in the rule files (longest first, for suffix matching)."""
    return read_rules(rules).ids


def strip_prefix(check_id: str, known: Sequence[str]) -> str:
    """semgrep prefixes rule ids with the config folder's path; give back the declared id."""
    for rid in known:
        if check_id == rid or check_id.endswith("." + rid):
            return rid
    return check_id


class SemgrepScanner(ToolScanner):
    """Runs ``semgrep scan --json`` with the bundled rules on the target's files plus the canary."""

    info = ScannerInfo(
        "semgrep", Category.SAST, Tool("semgrep", package="semgrep", version_in_output=True),
        config_files=(".semgrepignore",), cache=CachePolicy.PER_FILE, coverage=CoverageKind.FILES_SCANNED,
        busy=True, file_suffixes=(".py", ".pyw"), rule_ids=(r"^secscan\.",))

    def rules(self, ctx: ScanContext) -> Path:
        """The rules folder: ctx.rules_dir, else the ``semgrep_rules`` option, else the bundled one."""
        if ctx.rules_dir is not None:
            return ctx.rules_dir
        custom = ctx.options.get("semgrep_rules")  # semgrep's own setting (config/declare.py)
        return Path(str(custom)) if custom else rules_path("semgrep")

    def applies(self, ctx: ScanContext, files: Sequence[str]) -> str | None:
        return None if files else "no files semgrep's bundled rules cover (Python)"

    def cache_salt(self, ctx: ScanContext) -> str:
        flags = " ".join((*TRACE_FLAGS, *RULE_TIMEOUT_FLAGS))  # a file cut at the old limit runs again
        return f"{tree_hash(self.rules(ctx))}\0{DISABLE_NOSEM}\0{flags}"

    def canary(self, ctx: ScanContext) -> Canary:
        declared = set(bundled_rule_ids(self.rules(ctx)))
        if declared & canaries.SEMGREP_EXPECTED:
            return Canary({CANARY_FILE: canaries.PYTHON_CANARY}, canaries.SEMGREP_EXPECTED)
        return Canary({CANARY_FILE: canaries.PYTHON_CANARY}, CANARY_LINES, require_all=False)

    def disabled_canary_ids(self, ctx: ScanContext) -> frozenset[str]:
        declared = set(bundled_rule_ids(self.rules(ctx)))
        if not declared & canaries.SEMGREP_EXPECTED:
            return frozenset()
        return frozenset(canaries.SEMGREP_EXPECTED - declared)

    def canary_keys(self, finding: Finding) -> set[str]:
        keys = {finding.rule_id}
        if finding.location:
            keys.add(f"line:{finding.location.start_line}")
        return keys

    def invocations(self, ctx: ScanContext, files: Sequence[str],
                    canary_files: Sequence[Path]) -> list[Invocation]:
        jobs = ("-j", str(ctx.cpu_share)) if ctx.cpu_share > 0 else ()
        argv = ["semgrep", "scan", "--config", str(self.rules(ctx)), "--json", *OFFLINE_FLAGS, "--quiet",
                "--no-git-ignore", DISABLE_NOSEM, *TRACE_FLAGS, *RULE_TIMEOUT_FLAGS, *jobs, "--", *files,
                *map(str, canary_files)]
        return [Invocation(tuple(argv), ctx.target, ctx.timeout, env=ENV, label="semgrep")]

    def execute(self, ctx: ScanContext, files: Sequence[str], canary_files: Sequence[Path],
                runner: Runner) -> ScanOutput:
        """A rules folder that declares no rule cannot detect anything: failed without starting semgrep."""
        folder = read_rules(self.rules(ctx))
        if not folder.ids and not folder.unreadable:
            reason = f"no rules loaded from {_shown(self.rules(ctx))} ({folder.files} rule file(s), 0 rules)"
            return ScanOutput(Parsed(self.name, status=Status.FAILED, reason=reason,
                                     coverage={"rules_bundled": 0, "rule_files": folder.files}))
        return super().execute(ctx, files, canary_files, runner)

    def version_command(self, ctx: ScanContext) -> Invocation:
        return Invocation(("semgrep", "--version", *OFFLINE_FLAGS), ctx.target, 60.0, env=ENV,
                          label="semgrep --version")

    def parse(self, ctx: ScanContext, results: Sequence[ProcResult]) -> Parsed:
        (res,) = results
        folder = read_rules(self.rules(ctx))
        if not res.stdout.strip():
            why = res.stderr_tail() or "no output"
            return Parsed(self.name, status=Status.FAILED, reason=f"semgrep exited {res.returncode}: {why}")
        try:
            parsed = semgrep_parser.parse(res.stdout, "semgrep output")
        except ParseError as exc:
            return Parsed(self.name, status=Status.FAILED, reason=f"unreadable output: {exc.problem}")
        marked = native_markers.mark_semgrep(ctx.target, with_traces(parsed.findings, res))  # semgrep's ids
        findings = tuple(f.with_(rule_id=strip_prefix(f.rule_id, folder.ids)) for f in marked)
        status, reason = _health(parsed, res, folder, self.rules(ctx))
        cov = {**parsed.coverage, "rules_bundled": len(folder.ids), "rule_files": folder.files}
        return Parsed(self.name, findings, status, reason, cov, parsed.version)


def with_traces(findings: Sequence[Finding], res: ProcResult) -> tuple[Finding, ...]:
    """Each taint finding with the trace semgrep's text report gives it (``Finding.taint``)."""
    traces = parse_traces(res.stderr.decode("utf-8", "replace")) if res.stderr else {}
    out = []
    for f in findings:
        loc = f.location
        trace = traces.get((loc.path, f.rule_id, loc.start_line or 0)) if loc else None
        out.append(f.with_(taint=trace) if trace else f)
    return tuple(out)


def _shown(path: Path) -> str:
    """A path as short as it can be said: relative to the working directory when under it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except (ValueError, OSError):
        return str(path)


def _health(parsed: Parsed, res: ProcResult, folder: RuleFolder, rules: Path) -> tuple[Status, str | None]:
    """semgrep's own verdict, made stricter: a fatal exit code, no rules, or an unparsable rule file fail."""
    status, reason = parsed.status, parsed.reason
    if res.returncode not in (0, 1):
        detail = reason or res.stderr_tail() or "no error message"
        status, reason = Status.FAILED, f"semgrep exited {res.returncode}: {detail}"
    if not folder.ids:
        return Status.FAILED, f"no rules loaded from {_shown(rules)} ({folder.files} rule file(s))" + (
            f"; {reason}" if reason else "")
    if folder.unreadable:
        names = ", ".join(folder.unreadable[:5])
        text = (f"{len(folder.unreadable)} unparsable rule file(s) in {_shown(rules)}: {names} "
                "(their rules cannot run)")
        return Status.FAILED, text + (f"; {reason}" if reason else "")
    return status, reason
