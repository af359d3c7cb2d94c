"""Trivy: file system scan of the target (``trivy fs``) and container images (``trivy image``)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from secscan.core.model import Category, Finding, Location, Parsed, SkipCause, Status
from secscan.parsers import trivy as trivy_parser
from secscan.process.runner import Invocation, ProcResult
from secscan.scanners import canaries
from secscan.scanners.interface import (
    ADVISORY_IDS,
    CachePolicy,
    Canary,
    ScanContext,
    ScannerInfo,
    ScanOutput,
    Skip,
    Tool,
    ToolScanner,
)
from secscan.scanners.status import combine, parse_tool_output

if TYPE_CHECKING:
    from secscan.process.runner import Runner

OFFLINE_FLAGS = ("--offline-scan", "--skip-db-update")
TRIVY = Tool("trivy", install="https://trivy.dev/latest/getting-started/installation/ (brew install trivy, "
                              "the aquasecurity apt/rpm repository, or the release binary)")
CONFIG_FILES = ("trivy.yaml", ".trivyignore")  # read from the working directory (the target)
RULE_IDS = (r"^trivy\.", ADVISORY_IDS)


def common_flags(ctx: ScanContext) -> list[str]:
    """JSON output, quiet, Trivy's own timeout (its default of 5 minutes would cut our longer one
    short), and the offline flags under --offline."""
    flags = ["--format", "json", "--quiet", "--timeout", f"{max(1, int(ctx.timeout))}s"]
    return flags + list(OFFLINE_FLAGS) if ctx.offline else flags


def _parse_trivy(name: str, res: ProcResult) -> Parsed:
    return parse_tool_output(name, "trivy", trivy_parser.parse, res, accept=lambda rc: rc == 0)


class TrivyFsScanner(ToolScanner):
    """``trivy fs --format json`` on the target (vulnerabilities, secrets, misconfigurations)."""

    info = ScannerInfo("trivy", Category.DEPENDENCY, TRIVY, config_files=CONFIG_FILES,
                       cache=CachePolicy.WHOLE_TREE_ALWAYS_EXPIRE, busy=True,
                       categories=frozenset({Category.DEPENDENCY, Category.SECRET,
                                             Category.MISCONFIGURATION}),
                       rule_ids=RULE_IDS)

    def applies(self, ctx: ScanContext, files: Sequence[str]) -> str | None:
        return None

    def cache_inputs(self, ctx: ScanContext, files: Sequence[str]) -> list[Path]:
        """trivy fs reads the whole folder, git-ignored and excluded files included: every file under it
        is part of the cache key (but secscan's own canary folders and report folder; a folder of the tree
        merely named like a canary folder counts)."""
        skip = {os.path.realpath(ctx.output_dir)} if ctx.output_dir is not None else set()
        skip |= {os.path.realpath(ctx.target / d) for d in ctx.canary_dirs}
        out: list[Path] = []
        for folder, dirs, names in os.walk(ctx.target):
            dirs[:] = [d for d in dirs
                       if d != ".git" and os.path.realpath(os.path.join(folder, d)) not in skip]
            out += [Path(folder, n) for n in names]
        return out

    def canary(self, ctx: ScanContext) -> Canary:
        return Canary(
            {"canary_trivy_credentials.ini": canaries.fake_aws_key_file()},
            frozenset({"aws-access-key-id"}),
            require_all=False,
        )

    def canary_keys(self, finding: Finding) -> set[str]:
        return {"aws-access-key-id"} if "aws-access-key-id" in finding.rule_id.lower() else set()

    def invocations(
        self, ctx: ScanContext, files: Sequence[str], canary_files: Sequence[Path]
    ) -> list[Invocation]:
        argv = ["trivy", "fs", *common_flags(ctx), "--scanners", "vuln,secret,misconfig", str(ctx.target)]
        return [Invocation(tuple(argv), ctx.target, ctx.timeout, label="trivy fs")]

    def parse(self, ctx: ScanContext, results: Sequence[ProcResult]) -> Parsed:
        parsed = _parse_trivy(self.name, results[0])
        prefix = str(ctx.target).rstrip("/") + "/"
        fixed = [
            f.with_(
                location=Location(
                    f.location.path.removeprefix(prefix),
                    f.location.start_line,
                    f.location.end_line,
                    f.location.image,
                    f.location.layer,
                )
            )
            if f.location
            else f
            for f in parsed.findings
        ]
        return Parsed(
            parsed.tool, tuple(fixed), parsed.status, parsed.reason, parsed.coverage, parsed.version
        )


class TrivyImageScanner(ToolScanner):
    """``trivy image --format json NAME`` for each image asked for with --image."""

    info = ScannerInfo("trivy-image", Category.CONTAINER, TRIVY, config_files=CONFIG_FILES, rule_ids=RULE_IDS)

    def applies(self, ctx: ScanContext, files: Sequence[str]) -> str | Skip | None:
        if not ctx.images:
            return Skip("no --image given", SkipCause.NOT_REQUESTED)
        if ctx.no_containers:
            return Skip("image scanning disabled by --no-containers", SkipCause.TURNED_OFF)
        return None

    def parse(self, ctx: ScanContext, results: Sequence[ProcResult]) -> Parsed:
        (res,) = results
        return _parse_trivy(self.name, res)

    def execute(
        self, ctx: ScanContext, files: Sequence[str], canary_files: Sequence[Path], runner: Runner
    ) -> ScanOutput:
        parts: list[Parsed] = []
        total = 0.0
        for image in ctx.images:
            argv = ["trivy", "image", *common_flags(ctx)]
            inv = Invocation((*argv, "--", image), ctx.target, ctx.timeout, label=f"trivy image {image}")
            res = runner.run(inv)
            total += res.duration_s
            if res.timed_out:
                parts.append(Parsed(self.name, status=Status.TIMEOUT, reason=f"{image}: timed out"))
                continue
            p = self.parse(ctx, [res])
            reason = f"{image}: {p.reason}" if p.reason else None
            findings = tuple(in_image(f, image) for f in p.findings)
            cov = {**p.coverage, "images": 1}
            parts.append(Parsed(self.name, findings, p.status, reason, cov, p.version))
        return ScanOutput(combine(self.name, parts, evidence={"images": list(ctx.images)}), total, len(parts))


def in_image(f: Finding, image: str) -> Finding:
    """A finding of an image scan: located in the image (and layer); packages are category container
    (secrets, misconfigurations and licenses keep their own category)."""
    loc = f.location
    where = (
        Location(loc.path, loc.start_line, loc.end_line, image, loc.layer)
        if loc
        else Location(image, image=image)
    )
    category = Category.CONTAINER if f.category in (Category.DEPENDENCY, Category.CONTAINER) else f.category
    return f.with_(category=category, location=where)
