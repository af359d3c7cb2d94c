"""The scanning commands (all, sast, deps, secrets, container): arguments, options, run, write, summary."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path

from secscan.cli.options import add_arguments, options_from
from secscan.core.errors import SecscanError, UsageError
from secscan.core.model import Result
from secscan.core.options import ScanOptions
from secscan.formats.write import check_destination


def add_scan_arguments(p: argparse.ArgumentParser, command: str) -> None:
    """The target argument and the options of a scanning command (see the contract)."""
    if command == "container":
        p.add_argument("names", nargs="+", metavar="NAME", help="container images")
    elif command == "secrets":
        p.add_argument("paths", nargs="*", default=[], metavar="PATH", help="folder, or files (default: .)")
    else:
        p.add_argument("path", nargs="?", default=".", metavar="PATH", help="target folder (default: .)")
    add_arguments(p, command)


def _target(args: argparse.Namespace, command: str) -> tuple[Path, tuple[str, ...]]:
    """The folder to scan and, for `secscan secrets FILE...`, the files in it."""
    if command == "secrets":
        given = [Path(p) for p in args.paths] or [Path(".")]
        if len(given) == 1 and given[0].is_dir():
            return given[0], ()
        root = Path(".")
        return root, tuple(os.path.relpath(p, root).replace(os.sep, "/") for p in given)
    if command == "container":
        return Path("."), ()
    return Path(args.path), ()


def with_report_dir(opts: ScanOptions) -> ScanOptions:
    """--output-dir, else reports/ (for --staged: a folder inside the git directory, worktrees included)."""
    if opts.output_dir is not None:
        return opts
    if opts.staged:
        from secscan.run.staged import staged_report_dir

        return replace(opts, output_dir=staged_report_dir(opts.target).resolve())
    return replace(opts, output_dir=Path("reports").absolute())


def scan_options(args: argparse.Namespace, command: str, scan_command: str | None = None) -> ScanOptions:
    """The options of a scanning command: its flags over [tool.secscan] over the defaults."""
    target, paths = _target(args, command)
    more = {"images": (*args.names, *(args.images or ()))} if command == "container" else {}
    opts = options_from(args, command, target, scan_command=scan_command, paths=paths, **more)
    return with_report_dir(opts)


def check_output_dir(folder: Path, target: Path | None = None) -> None:
    """Fail before scanning when the report folder cannot be created or written, or is a symbolic link that
    leads out of the scanned tree."""
    if target is not None:
        try:
            check_destination(folder, target)
        except SecscanError as exc:
            raise UsageError(str(exc)) from None
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

    opts = scan_options(args, args.command)
    out = opts.output_dir or Path("reports")
    check_output_dir(out, opts.target)
    progress = Progress(quiet=bool(args.quiet))
    try:
        result = api.run(opts, progress=progress)
    finally:
        progress.close()
    return emit(result, opts.formats, out, bool(args.quiet))


def emit(result: Result, formats: tuple[str, ...], output_dir: Path, quiet: bool) -> int:
    """Write the reports, print the summary, return the gate's exit code."""
    from secscan.formats.summary import render_summary
    from secscan.formats.write import write_reports

    written = write_reports(result, formats, output_dir)
    out = render_summary(result, written, quiet=quiet)
    sys.stdout.write(out)
    sys.stdout.flush()
    return result.gate.exit_code
