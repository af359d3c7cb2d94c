"""checkov: infrastructure-as-code checks (Dockerfile, Kubernetes, Terraform, CloudFormation, GitHub Actions,
GitLab CI), category ``iac``.

Run offline and blind to the scanned tree's own checkov settings: no API key (the process gets only the
allow-listed environment, so BC_API_KEY, PRISMA_* and tokens never reach it), ``--skip-download`` and
``BC_SKIP_MAPPING`` (no guidelines, policies or mappings fetched), no update check
(``CKV_SKIP_PACKAGE_UPDATE_CHECK``), no upload (``--skip-results-upload``). checkov reads
``.checkov.yaml`` from the folder given with ``-d``, the working directory and HOME; secscan gives files with
``-f`` and starts it in a private empty folder that is also its HOME, so a tree's ``.checkov.yaml`` (which
could name external checks: Python code) is never read; its presence is listed in the
evidence. The canary (a Dockerfile with a ``latest``
base image and a privileged pod) is checked in the same invocation.

Coverage gaps: files checkov could not parse (its ``parsing_errors``, and YAML manifests it silently dropped
that do not parse), a framework that returned no report, and Helm charts (their templates are not plain YAML;
checkov's helm framework needs the helm binary, which secscan does not run) make the outcome ``partial``.
docker-compose files are listed as not covered (checkov has no framework for them).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from secscan.core.model import Category, Parsed, Status
from secscan.core.resources import rules_path
from secscan.parsers import checkov as checkov_parser
from secscan.process.runner import Invocation, ProcResult, Runner
from secscan.scanners.iac_files import IacFiles, classify, unreadable_yaml
from secscan.scanners.interface import (
    CachePolicy,
    Canary,
    ScanContext,
    ScannerInfo,
    ScanOutput,
    Tool,
    ToolScanner,
)
from secscan.scanners.status import parse_tool_output

PINNED = "3.3.30"
CHECKOV = Tool("checkov", managed=f"checkov=={PINNED}")
OFFLINE_ENV = {
    "BC_SKIP_MAPPING": "TRUE",
    "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true",
    "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false",
    "CKV_VALIDATE_SECRETS": "false",
    "ANSI_COLORS_DISABLED": "1",
    "LOG_LEVEL": "WARNING",
}
FLAGS = ("--output", "json", "--compact", "--skip-download", "--skip-results-upload")
CHECKOV_CONFIGS = (".checkov.yaml", ".checkov.yml")

CANARY_DOCKERFILE = """# secscan canary: deliberately insecure, never part of a report
FROM python:latest
RUN pip install flask
CMD ["python", "-c", "print('canary')"]
"""
CANARY_POD = """# secscan canary: deliberately insecure, never part of a report
apiVersion: v1
kind: Pod
metadata:
  name: secscan-canary
spec:
  containers:
    - name: canary
      image: nginx:1.27
      securityContext:
        privileged: true
"""
CANARY_EXPECTED = frozenset({"CKV_DOCKER_7", "CKV_K8S_16"})


class CheckovScanner(ToolScanner):
    """``checkov -f FILE... --framework ... --output json`` on the tree's IaC files and the canary."""

    info = ScannerInfo("checkov", Category.IAC, CHECKOV, cache=CachePolicy.WHOLE_TREE, busy=True,
                       rule_ids=(r"^CKV2?_[A-Z0-9]+_\d+$",))

    def applies(self, ctx: ScanContext, files: Sequence[str]) -> str | None:
        found = classify(ctx.target, files)
        if found.files or found.helm_charts:
            return None
        return ("no infrastructure-as-code files (Dockerfile, Kubernetes manifests, Terraform, "
                "CloudFormation, GitHub Actions or GitLab CI workflows)")

    def canary(self, ctx: ScanContext) -> Canary:
        return Canary({"Dockerfile": CANARY_DOCKERFILE, "canary_pod.yaml": CANARY_POD}, CANARY_EXPECTED)

    def cache_inputs(self, ctx: ScanContext, files: Sequence[str]) -> list[Path]:
        return [ctx.target / f for f in classify(ctx.target, files).files]

    def cache_salt(self, ctx: ScanContext) -> str:
        table = rules_path("iac", "severity.yaml").read_text("utf-8")
        return "\0".join([*FLAGS, *(f"{k}={v}" for k, v in sorted(OFFLINE_ENV.items())), table])

    def invocation(self, ctx: ScanContext, found: IacFiles, canary_files: Sequence[Path], home: Path
                   ) -> Invocation:
        """The one checkov process: every IaC file and the canary, absolute paths, a private cwd and HOME."""
        frameworks = list(found.by_framework)
        canary = [os.path.abspath(ctx.target / p) for p in canary_files]
        for fw in ("dockerfile", "kubernetes") if canary else ():
            if fw not in frameworks:
                frameworks.append(fw)
        paths = [os.path.abspath(ctx.target / f) for f in found.files] + canary
        argv = ("checkov", "--framework", *frameworks, *FLAGS, "-f", *paths)
        return Invocation(argv, home, ctx.timeout, env={**OFFLINE_ENV, "HOME": str(home)}, label="checkov",
                          inherit_env=False)

    def parse(self, ctx: ScanContext, results: Sequence[ProcResult]) -> Parsed:
        (res,) = results
        return parse_tool_output(self.name, "checkov", _parse_absolute, res, accept=lambda rc: rc in (0, 1))

    def execute(self, ctx: ScanContext, files: Sequence[str], canary_files: Sequence[Path],
                runner: Runner) -> ScanOutput:
        found = classify(ctx.target, files)
        with tempfile.TemporaryDirectory(prefix="secscan-checkov-") as home:
            res = runner.run(self.invocation(ctx, found, canary_files, Path(home)))
        if res.timed_out:
            why = f"timed out after {res.invocation.timeout:.0f}s"
            return ScanOutput(Parsed(self.name, status=Status.TIMEOUT, reason=why), res.duration_s, 1)
        parsed = self.parse(ctx, [res])
        if parsed.status in (Status.FAILED, Status.TIMEOUT):
            return ScanOutput(parsed, res.duration_s, 1)
        return ScanOutput(_with_gaps(ctx, found, parsed), res.duration_s, 1)


def _parse_absolute(text: str | bytes, source: str) -> Parsed:
    return checkov_parser.parse(text, source, absolute_paths=True)


def _with_gaps(ctx: ScanContext, found: IacFiles, parsed: Parsed) -> Parsed:
    """The parsed outcome with secscan's own coverage checks: files without any result that do not parse,
    frameworks without a report, Helm charts, not-covered files and the tree's ignored checkov settings."""
    evidence = dict(parsed.evidence or {})
    seen = set(evidence.pop("files_with_results", []))
    errors = set(evidence.get("parse_errors", []))
    root = os.path.abspath(ctx.target)
    silent = [f for f in found.files if os.path.join(root, f) not in seen | errors]
    dropped = unreadable_yaml(ctx.target, silent)
    gaps: list[str] = []
    if dropped:
        gaps.append(f"{len(dropped)} YAML file(s) do not parse and checkov reported nothing for them: "
                    + ", ".join(dropped[:5]))
    missing = [fw for fw in found.by_framework if fw not in evidence.get("frameworks", {})]
    if missing:
        gaps.append(f"checkov returned no report for framework(s) {', '.join(missing)}")
    if found.helm_charts:
        gaps.append(f"{len(found.helm_charts)} Helm chart(s) not scanned (templates need helm to render, "
                    f"which secscan does not run): {', '.join(found.helm_charts[:5])}")
    evidence.update({
        "files_without_checks": [f for f in silent if f not in dropped],
        "unparsed_files": dropped,
        "helm_charts_not_scanned": found.helm_charts,
        "not_covered": found.not_covered,
        "ignored_tree_config": [f for f in CHECKOV_CONFIGS if (ctx.target / f).is_file()],
    })
    coverage = {**parsed.coverage, "files": len(found.files),
                "files_not_covered": sum(len(v) for v in found.not_covered.values()),
                "parsing_errors": parsed.coverage.get("parsing_errors", 0) + len(dropped)}
    status, reason = parsed.status, (parsed.reason or "").replace(root + "/", "") or None
    evidence["parse_errors"] = [e.removeprefix(root + "/") for e in evidence.get("parse_errors", [])]
    if gaps:
        status = Status.PARTIAL
        reason = "; ".join([*([reason] if reason else []), *gaps])
    return Parsed(parsed.tool, parsed.findings, status, reason, coverage, parsed.version, evidence)
