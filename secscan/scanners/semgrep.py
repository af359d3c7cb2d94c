"""semgrep with the rules bundled in rules/semgrep, always offline-safe."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path

import yaml

from secscan.errors import ParseError
from secscan.model import Category, Finding, Status
from secscan.parsers import semgrep as semgrep_parser
from secscan.parsers.interface import Parsed
from secscan.rules import rules_path, tree_hash
from secscan.scanners import canaries
from secscan.scanners.interface import Canary, Invocation, ProcResult, ScanContext, Scanner

ENV = {"SEMGREP_ENABLE_VERSION_CHECK": "0", "SEMGREP_SEND_METRICS": "off"}
OFFLINE_FLAGS = ("--metrics=off", "--disable-version-check")
# Lines of canaries.PYTHON_CANARY that hold a problem.
CANARY_LINES = frozenset({"line:10", "line:11", "line:12", "line:13"})


@cache
def bundled_rule_ids(rules: Path) -> tuple[str, ...]:
    """Rule ids declared in the bundled rule files (longest first, for suffix matching)."""
    ids: list[str] = []
    for path in sorted(rules.rglob("*.y*ml")):
        try:
            data = yaml.safe_load(path.read_text("utf-8"))
        except (OSError, yaml.YAMLError):
            continue
        for rule in (data or {}).get("rules", []) if isinstance(data, dict) else []:
            if isinstance(rule, dict) and isinstance(rule.get("id"), str):
                ids.append(rule["id"])
    return tuple(sorted(ids, key=len, reverse=True))


def strip_prefix(check_id: str, known: Sequence[str]) -> str:
    """semgrep prefixes rule ids with the config folder's path; give back the declared id."""
    for rid in known:
        if check_id == rid or check_id.endswith("." + rid):
            return rid
    return check_id


class SemgrepScanner(Scanner):
    """Runs ``semgrep scan --json`` with the bundled rules on the target's files plus the canary."""

    name = "semgrep"
    category = Category.SAST
    per_file = True
    file_suffixes = (".py", ".pyw")

    def rules(self, ctx: ScanContext) -> Path:
        """The rules folder used (ctx.rules_dir overrides the bundled one)."""
        return ctx.rules_dir if ctx.rules_dir is not None else rules_path("semgrep")

    def applies(self, ctx: ScanContext, files: Sequence[str]) -> str | None:
        return None if files else "no files semgrep's bundled rules cover (Python)"

    def cache_salt(self, ctx: ScanContext) -> str:
        return tree_hash(self.rules(ctx))

    def canary(self, ctx: ScanContext) -> Canary:
        return Canary({"canary_semgrep.py": canaries.PYTHON_CANARY}, CANARY_LINES)

    def canary_keys(self, finding: Finding) -> set[str]:
        return {f"line:{finding.location.start_line}"} if finding.location else set()

    def invocations(self, ctx: ScanContext, files: Sequence[str], canary_files: Sequence[Path]) -> list[Invocation]:
        argv = ["semgrep", "scan", "--config", str(self.rules(ctx)), "--json", *OFFLINE_FLAGS, "--quiet",
                "--no-git-ignore", "--", *files, *map(str, canary_files)]
        return [Invocation(tuple(argv), ctx.target, ctx.timeout, env=ENV, label="semgrep")]

    def version_invocation(self, ctx: ScanContext) -> Invocation:
        return Invocation(("semgrep", "--version", *OFFLINE_FLAGS), ctx.target, 60.0, env=ENV)

    def parse(self, ctx: ScanContext, results: Sequence[ProcResult]) -> Parsed:
        (res,) = results
        if not res.stdout.strip():
            why = res.stderr_tail() or "no output"
            return Parsed(self.name, status=Status.FAILED, reason=f"semgrep exited {res.returncode}: {why}")
        try:
            parsed = semgrep_parser.parse(res.stdout, "semgrep output")
        except ParseError as exc:
            return Parsed(self.name, status=Status.FAILED, reason=f"unreadable output: {exc.problem}")
        known = bundled_rule_ids(self.rules(ctx))
        findings = tuple(f.with_(rule_id=strip_prefix(f.rule_id, known)) for f in parsed.findings)
        status, reason = parsed.status, parsed.reason
        if res.returncode not in (0, 1) and status is Status.OK:
            status, reason = Status.FAILED, f"semgrep exited {res.returncode}: {res.stderr_tail()}"
        if not known:
            status, reason = Status.FAILED, f"no rules found in {self.rules(ctx)}"
        cov = {**parsed.coverage, "rules_bundled": len(known)}
        return Parsed(self.name, findings, status, reason, cov, parsed.version)
