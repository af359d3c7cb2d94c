"""Library API: ``secscan.scan(path, ...)`` returns the same result the CLI writes."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from secscan.core.errors import UsageError
from secscan.core.model import Finding, Result, ScannerResult
from secscan.core.options import ScanOptions
from secscan.process.runner import Invocation, Runner


@dataclass(frozen=True)
class ScanReport:
    """A finished scan: findings, scanner health, summary, and the contract's JSON."""

    result: Result

    @property
    def findings(self) -> tuple[Finding, ...]:
        """Every finding (suppressed and pre-existing ones included, marked)."""
        return self.result.findings

    @property
    def scanners(self) -> tuple[ScannerResult, ...]:
        """Every scanner's outcome."""
        return self.result.scanners

    @property
    def summary(self) -> dict[str, Any]:
        """Counts, gate and actions, as in the JSON report."""
        summary: dict[str, Any] = self.to_dict()["summary"]
        return summary

    @property
    def exit_code(self) -> int:
        """The gate's exit code."""
        return self.result.gate.exit_code

    def to_dict(self) -> dict[str, Any]:
        """The JSON report as a dict."""
        from secscan.core.serialize import to_dict

        return to_dict(self.result)

    def to_json(self) -> str:
        """The JSON report text (what secscan.json holds)."""
        from secscan.formats.json_report import dumps

        return dumps(self.result)


# Tool configuration files exported from the index beside the staged files (so bandit, detect-secrets and
# semgrep see the repository's settings); they are scanned only when they are staged themselves.
STAGED_CONFIG = (".bandit", "pyproject.toml", "setup.cfg", ".secrets.baseline", ".semgrepignore")
_GIT_ENV = {"GIT_TERMINAL_PROMPT": "0"}
_STAGED_DIFF = (
    *("diff", "--cached", "--raw", "-z", "--no-renames", "--relative", "--diff-filter=ACMRT"),
    *("--no-color", "--no-ext-diff"),
)
_SKIPPED_MODES = ("120000", "160000")  # symbolic links and submodules: no file content to scan
SMALL_COMMIT = 4 * 1024 * 1024  # bytes staged up to which the pure-Python secret pre-filter is faster
SMALL_COMMIT_PREFILTER = "keywords"


@dataclass(frozen=True)
class Staged:
    """The git index exported into a temporary folder."""

    root: Path  # the temporary folder (removed after the scan)
    folder: Path  # what is scanned: root, or the target's sub-folder of the work tree inside root
    names: tuple[str, ...]  # the staged files (relative to folder), all present in folder


def _git(runner: Runner, repo: Path, *argv: str, stdin: bytes | None = None) -> bytes:
    res = runner.run(Invocation(("git", *argv), repo, 120.0, env=_GIT_ENV), stdin=stdin)
    if res.error or res.returncode != 0:
        raise UsageError(f"--staged: git {argv[0]} failed in {repo}: {res.stderr_tail() or res.error}")
    return res.stdout


def staged_report_dir(repo: Path, runner: Runner | None = None) -> Path:
    """``<git dir>/secscan``: where the pre-commit path can write its report without touching the work tree
    (also in linked worktrees and submodules, where ``.git`` is a file)."""
    out = _git(runner or Runner(), repo, "rev-parse", "--absolute-git-dir")
    return Path(out.decode("utf-8", "surrogateescape").strip()) / "secscan"


def staged_names(repo: Path, runner: Runner) -> list[str]:
    """Files added, copied, modified, renamed or retyped in the index, relative to repo (a folder in a work
    tree); deletions, symbolic links and submodules are left out."""
    out = _git(runner, repo, *_STAGED_DIFF)
    parts = out.decode("utf-8", "surrogateescape").split("\0")
    names = []
    for header, name in zip(parts[0::2], parts[1::2], strict=False):
        fields = header.split()
        if name and len(fields) >= 2 and fields[1] not in _SKIPPED_MODES:
            names.append(name)
    return names


def _wanted(name: str, paths: tuple[str, ...]) -> bool:
    return not paths or any(
        name == p or name.startswith(p.rstrip("/") + "/") or p in (".", "") for p in paths
    )


def _staged_copy(repo: Path, runner: Runner, paths: tuple[str, ...] = ()) -> Staged:
    """Export what git has staged (limited to paths, when given) into a temporary folder, with the tool
    configuration files of the index, so the index is scanned and not the work tree."""
    names = [n for n in staged_names(repo, runner) if _wanted(n, paths)]
    tmp = Path(tempfile.mkdtemp(prefix="secscan-staged-"))
    try:
        # checkout-index writes index paths (from the top of the work tree) under --prefix
        sub = _git(runner, repo, "rev-parse", "--show-prefix").decode("utf-8", "surrogateescape").strip()
        folder = tmp / sub if sub else tmp
        folder.mkdir(parents=True, exist_ok=True)
        if names:
            config = _git(runner, repo, "ls-files", "-z", "--cached", "--", *STAGED_CONFIG)
            extra = [c for c in config.decode("utf-8", "surrogateescape").split("\0") if c and c not in names]
            listing = "\0".join([*names, *extra]).encode("utf-8", "surrogateescape") + b"\0"
            _git(
                runner, repo, "checkout-index", "--force", "-z", "--stdin", f"--prefix={tmp}/", stdin=listing
            )
        missing = [n for n in names if not (folder / n).is_file()]
        if missing:  # never scan less than what is staged without saying so
            raise UsageError(
                f"--staged: {len(missing)} staged file(s) could not be exported: " + ", ".join(missing[:5])
            )
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return Staged(tmp, folder, tuple(names))


def _idle_scanners(opts: ScanOptions, names: tuple[str, ...]) -> list[str]:
    """Listed per-file scanners with no staged file to scan (e.g. bandit when no Python file is staged)."""
    from secscan.run.engine import plan
    from secscan.scanners import registry

    idle = []
    for name in plan(opts):
        scanner = registry.create(name)
        suffixes = scanner.file_suffixes
        if scanner.per_file and not any(n.endswith(suffixes) if suffixes else True for n in names):
            idle.append(name)
    return idle


def _staged_plan(opts: ScanOptions, staged: Staged) -> tuple[list[str], dict[str, Any]]:
    """Scanners with nothing staged to scan, and the options scanners get.

    A small commit gets secscan-secrets' pure-Python pre-filter: every backend finds the same secrets, and
    compiling the Hyperscan database costs more than scanning a few files with it.
    """
    from secscan.run.files import walk

    fs = walk(staged.folder, opts.excludes)
    kept = set(fs.files) & set(staged.names)  # what per-file scanners get
    idle = _idle_scanners(opts, tuple(kept)) if opts.scanners is not None else []
    extra = dict(opts.extra)
    small = sum(fs.sizes[f] for f in kept) <= SMALL_COMMIT
    if small and "secrets_backend" not in extra and "backend" not in extra:
        extra["secrets_backend"] = SMALL_COMMIT_PREFILTER
    return idle, extra


def _run_staged(
    opts: ScanOptions, progress: Callable[[str, str, float], None] | None, runner: Runner
) -> Result:
    """The pre-commit path: scan the exported index; scanners listed with --scanners that have nothing staged
    to scan are reported as skipped (not as a failure: nothing was left unscanned)."""
    from secscan.core.model import Status
    from secscan.run.cache import default_dir
    from secscan.run.engine import plan
    from secscan.run.engine import scan as engine_scan

    if opts.changed_since:
        raise UsageError(
            "--staged and --changed-since cannot be combined (--staged scans only staged changes)"
        )
    staged = _staged_copy(opts.target, runner, opts.paths)
    order = {n: i for i, n in enumerate(plan(opts))}
    try:
        idle, extra = _staged_plan(opts, staged)
        inner = replace(
            opts,
            target=staged.folder,
            paths=staged.names,
            scanners=tuple(n for n in opts.scanners if n not in idle) if opts.scanners is not None else None,
            required=tuple(n for n in opts.required if n not in idle),
            cache_dir=opts.cache_dir or (default_dir(opts.target) if opts.use_cache else None),
            extra=extra,
        )
        result = engine_scan(inner, progress, runner)
    finally:
        shutil.rmtree(staged.root, ignore_errors=True)
    skipped = [ScannerResult(n, Status.SKIPPED, reason="no staged file of the kind it scans") for n in idle]
    scanners = sorted((*result.scanners, *skipped), key=lambda s: order.get(s.name, len(order)))
    note = f"--staged: scanned {len(staged.names)} staged file(s) from the git index"
    return replace(result, target=str(opts.target), scanners=tuple(scanners), notes=(note, *result.notes))


def run(
    opts: ScanOptions, progress: Callable[[str, str, float], None] | None = None, runner: Runner | None = None
) -> Result:
    """Run a scan described by options (the CLI's entry point into the library).

    secscan's own baseline file (``.secscan-baseline.json``, and the ``--baseline`` file) is never scanned: it
    holds fingerprints and hashes that entropy-based secret detectors would report.
    """
    from secscan.results.triage import BASELINE_NAME
    from secscan.run.engine import scan as engine_scan

    runner = runner or Runner()
    excludes = [BASELINE_NAME]
    if opts.baseline is not None and opts.baseline.resolve().is_relative_to(opts.target.resolve()):
        excludes.append(opts.baseline.resolve().relative_to(opts.target.resolve()).as_posix())
    opts = replace(opts, excludes=(*opts.excludes, *(e for e in excludes if e not in opts.excludes)))
    if opts.staged:
        return _run_staged(opts, progress, runner)
    return engine_scan(opts, progress, runner)


#: scan() keyword arguments that are command-line options too: merged with the configuration like them.
CLI_OPTIONS = ("timeout", "jobs", "allow_incomplete", "osv_db", "baseline", "require_pqc", "changed_since")


def scan(path: str | Path = ".", scanners: list[str] | str | None = None, offline: bool | None = None,
         fail_on: str | None = None, config: str | Path | None = None, **options: Any) -> ScanReport:
    """Scan a folder like ``secscan all PATH`` (without writing reports) and return the result.

    The target's ``[tool.secscan]`` (or ``config=FILE``) applies exactly as on the command line, and the
    arguments win over it like command-line options do (``offline=False`` overrides ``offline = true``
    like ``--no-offline``; ``None`` leaves the configuration's value). Extra keyword arguments are
    ScanOptions fields (e.g. ``timeout=120``, ``osv_db="advisories/"``, ``changed_since="origin/main"``,
    ``command="sast"``).
    Wrong options or configuration raise secscan.core.errors.UsageError (the CLI's exit 2).
    """
    import argparse

    from secscan.cli.scan import add_scan_arguments, build_options

    unknown = set(options) - set(ScanOptions.__dataclass_fields__) - {"target"}
    if unknown:
        raise TypeError(f"scan() got unknown option(s): {', '.join(sorted(unknown))}")
    parser = argparse.ArgumentParser(prog="secscan.scan", add_help=False)
    add_scan_arguments(parser, "all")
    args = parser.parse_args([str(path)])
    args.command = "all"
    names = scanners.split(",") if isinstance(scanners, str) else scanners
    args.scanners = ",".join(names) if names else None
    args.offline = offline
    args.fail_on, args.config = fail_on, Path(config) if config is not None else None
    for key in CLI_OPTIONS:
        if options.get(key) is not None:
            value = options.pop(key)
            setattr(args, key, Path(value) if key in ("osv_db", "baseline") else value)
    opts, _formats = build_options(args)
    rest: dict[str, Any] = {k: Path(v) if k in ("cache_dir", "output_dir") and isinstance(v, str) else v
            for k, v in options.items() if v is not None}
    if "excludes" in rest:
        rest["excludes"] = (*opts.excludes, *rest["excludes"])
    return ScanReport(run(replace(opts, output_dir=None, **rest)))
