"""The scanning commands (all, sast, deps, secrets, container): options, config, run, write, summary."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from secscan.config import load as config_mod
from secscan.config.checks import add_check_arguments, check_extra
from secscan.core.errors import UsageError
from secscan.core.model import FAIL_ON_CHOICES, Result
from secscan.core.options import ScanOptions
from secscan.core.shard import parse_shard

DEFAULT_FORMATS = ("json", "md", "html", "sarif")
KNOWN_FORMATS = ("json", "md", "html", "sarif", "gitlab")


def add_output_arguments(p: argparse.ArgumentParser) -> None:
    """Options every command that writes reports takes."""
    p.add_argument(
        "--format", default=None, help="comma list of json,md,html,sarif,gitlab (default: json,md,html,sarif)"
    )
    p.add_argument("--output-dir", type=Path, default=None, help="where reports go (default: reports/)")
    p.add_argument(
        "--fail-on", choices=FAIL_ON_CHOICES, default=None, help="gate threshold (default: critical)"
    )
    p.add_argument("--quiet", action="store_true", help="no progress, only the verdict line")


def add_scan_arguments(p: argparse.ArgumentParser, command: str) -> None:
    """Options of the scanning commands (see the contract)."""
    if command == "container":
        p.add_argument("names", nargs="+", metavar="NAME", help="container images")
    elif command == "secrets":
        p.add_argument("paths", nargs="*", default=[], metavar="PATH", help="folder, or files (default: .)")
        p.add_argument("--staged", action="store_true", help="scan the files git has staged (pre-commit)")
    else:
        p.add_argument("path", nargs="?", default=".", metavar="PATH", help="target folder (default: .)")
    add_output_arguments(p)
    p.add_argument(
        "--import",
        dest="imports",
        action="append",
        default=[],
        metavar="TOOL=FILE",
        help="add an existing tool output (repeatable)",
    )
    p.add_argument("--baseline", type=Path, default=None, help="only findings not in this baseline count")
    p.add_argument("--offline", action=argparse.BooleanOptionalAction, default=None,
                   help="skip network-bound scanners (--no-offline overrides the configuration)")
    p.add_argument(
        "--allow-incomplete", action=argparse.BooleanOptionalAction, default=None,
        help="do not exit 3 on an incomplete scan"
    )
    p.add_argument("--jobs", type=int, default=None, help="parallel scanners (default: CPU count)")
    p.add_argument("--timeout", type=float, default=None, help="seconds per scanner (default 900)")
    p.add_argument("--scanners", default=None, help="run only these (comma list); they are then required")
    p.add_argument("--no-canary", action="store_true", help="skip canary checks (the report says so)")
    p.add_argument("--changed-since", default=None, metavar="REF", help="only changes since REF count")
    p.add_argument("--cache-dir", type=Path, default=None, help="incremental cache folder")
    p.add_argument("--no-cache", action="store_true", help="do not use the incremental cache")
    p.add_argument("--shard", default=None, metavar="I/N", help="scan the I-th of N parts")
    p.add_argument("--osv-db", type=Path, default=None, help="offline advisories (folder of OSV records)")
    p.add_argument(
        "--image", dest="images", action="append", default=[], metavar="NAME", help="also scan image"
    )
    p.add_argument("--no-containers", action="store_true", help="skip container image scanning")
    p.add_argument("--no-git-ignore", action="store_true",
                   help="also scan what git ignores (local .env files, build output)")
    p.add_argument(
        "--config", type=Path, default=None, help="configuration file (default: PATH/pyproject.toml)"
    )
    p.add_argument("--require-pqc", action=argparse.BooleanOptionalAction, default=None,
                   help="liboqs unavailable is a critical finding")
    p.add_argument("--exclude", action="append", default=[], help="glob of paths to leave out (repeatable)")
    p.add_argument("--semgrep-rules", type=Path, default=None, help="semgrep rules folder (default: bundled)")
    add_check_arguments(p)


def parse_imports(items: list[str]) -> tuple[tuple[str, Path], ...]:
    """TOOL=FILE pairs."""
    from secscan.parsers.registry import PARSERS

    out = []
    for item in items:
        tool, sep, file = item.partition("=")
        if not sep or not file:
            raise UsageError(f"--import needs TOOL=FILE, not {item!r}")
        if tool not in PARSERS:
            raise UsageError(f"--import: unknown tool {tool!r} (known: {', '.join(PARSERS)})")
        out.append((tool, Path(file)))
    return tuple(out)


def parse_formats(text: str | None) -> tuple[str, ...]:
    """--format value -> names."""
    if not text:
        return DEFAULT_FORMATS
    names = tuple(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
    bad = [n for n in names if n not in KNOWN_FORMATS]
    if bad:
        raise UsageError(f"--format: unknown format(s) {', '.join(bad)} (known: {', '.join(KNOWN_FORMATS)})")
    return names


def _pick(cli: Any, conf: config_mod.Config, key: str, default: Any) -> Any:
    return cli if cli is not None else conf.get(key, default)


def _target(args: argparse.Namespace) -> tuple[Path, tuple[str, ...]]:
    if args.command == "secrets":
        given = [Path(p) for p in args.paths] or [Path(".")]
        if len(given) == 1 and given[0].is_dir():
            return given[0], ()
        root = Path(".")
        return root, tuple(os.path.relpath(p, root).replace(os.sep, "/") for p in given)
    if args.command == "container":
        return Path("."), ()
    return Path(args.path), ()


def _extra(args: argparse.Namespace, conf: config_mod.Config) -> dict[str, Any]:
    """Scanner-specific options passed through to the scanners' context."""
    extra: dict[str, Any] = check_extra(args, conf)
    if args.semgrep_rules is not None:
        if not args.semgrep_rules.is_dir():
            raise UsageError(f"--semgrep-rules {args.semgrep_rules}: not a folder")
        extra["semgrep_rules"] = str(args.semgrep_rules.resolve())
    return extra


def _output_dir(args: argparse.Namespace, target: Path) -> Path:
    """--output-dir, else reports/ (for --staged: a folder inside the git directory, worktrees included)."""
    if args.output_dir is not None:
        return Path(args.output_dir)
    if getattr(args, "staged", False):
        from secscan.run.staged import staged_report_dir

        return Path(staged_report_dir(target))
    return Path("reports")


def build_options(args: argparse.Namespace) -> tuple[ScanOptions, tuple[str, ...]]:
    """ScanOptions from the command line and [tool.secscan] (the command line wins)."""
    target, paths = _target(args)
    if not target.exists():
        raise UsageError(f"{target}: no such file or folder")
    conf = config_mod.load(target if target.is_dir() else target.parent, args.config)
    scanners = args.scanners.split(",") if args.scanners else conf.get("scanners")
    osv = args.osv_db or (Path(conf.get("osv_db")) if conf.get("osv_db") else None)
    if osv is not None and not osv.is_dir():
        raise UsageError(f"--osv-db {osv}: not a folder")
    if args.baseline is not None:
        if not args.baseline.is_file():
            raise UsageError(f"--baseline {args.baseline}: no such file")
        from secscan.results.triage import load_baseline

        load_baseline(args.baseline)  # a broken baseline is exit 2 before any scanner runs
    # --timeout on the command line wins over the configuration's per-scanner table too
    table = conf.get("timeouts", {}) if args.timeout is None else {}
    per_scanner = {k: float(v) for k, v in table.items()}
    opts = ScanOptions(
        target=target.resolve(),
        command=args.command,
        scanners=tuple(scanners) if scanners else None,
        required=tuple(conf.get("require", [])),
        offline=bool(_pick(args.offline, conf, "offline", False)),
        timeout=float(_pick(args.timeout, conf, "timeout", 900.0)),
        timeouts=per_scanner,
        jobs=int(_pick(args.jobs, conf, "jobs", 0)),
        fail_on=_pick(args.fail_on, conf, "fail_on", "critical"),
        allow_incomplete=bool(_pick(args.allow_incomplete, conf, "allow_incomplete", False)),
        canary=not args.no_canary and bool(conf.get("canary", True)),
        imports=parse_imports(args.imports),
        baseline=args.baseline,
        changed_since=args.changed_since,
        cache_dir=args.cache_dir,
        use_cache=not args.no_cache,
        shard=parse_shard(args.shard) if args.shard else None,
        osv_db=osv,
        images=tuple(args.names if args.command == "container" else args.images),
        no_containers=args.no_containers,
        git_ignore=not args.no_git_ignore,
        excludes=tuple(conf.get("exclude", [])) + tuple(args.exclude),
        output_dir=_output_dir(args, target).resolve(),
        paths=paths,
        staged=bool(getattr(args, "staged", False)),
        severity_overrides=dict(conf.get("severity", {})),
        ignores=tuple(conf.get("ignore", [])),
        suppressions=tuple(conf.get("suppress", [])),
        require_pqc=bool(_pick(args.require_pqc, conf, "require_pqc", False)),
        extra=_extra(args, conf),
    )
    return opts, parse_formats(args.format)


def check_output_dir(folder: Path) -> None:
    """Fail before scanning when the report folder cannot be created or written."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--output-dir {folder}: cannot create it: {exc.strerror or exc}") from None
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        raise UsageError(f"--output-dir {folder}: not a writable folder")


def run_scan(args: argparse.Namespace) -> int:
    """secscan all/sast/deps/secrets/container."""
    from secscan import api
    from secscan.cli.progress import Progress

    opts, formats = build_options(args)
    check_output_dir(opts.output_dir or Path("reports"))
    progress = Progress(quiet=args.quiet)
    try:
        result = api.run(opts, progress=progress)
    finally:
        progress.close()
    return emit(result, formats, opts.output_dir or Path("reports"), args.quiet)


def emit(result: Result, formats: tuple[str, ...], output_dir: Path, quiet: bool) -> int:
    """Write the reports, print the summary, return the gate's exit code."""
    from secscan.formats.summary import render_summary
    from secscan.formats.write import write_reports

    written = write_reports(result, formats, output_dir)
    out = render_summary(result, written, quiet=quiet)
    sys.stdout.write(out)
    sys.stdout.flush()
    return result.gate.exit_code
