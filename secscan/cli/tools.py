"""Commands that work on outputs and results: import, report, merge, baseline, doctor."""

from __future__ import annotations

import argparse
import sys
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from secscan.cli.options import add_arguments, options_from
from secscan.cli.scan import add_scan_arguments, emit, scan_options, with_report_dir
from secscan.core.errors import UsageError
from secscan.core.options import ScanOptions, Source
from secscan.core.version import __version__
from secscan.parsers.registry import PARSERS
from secscan.results.gate import EXIT_OK, evaluate


def add_commands(sub: Any) -> None:
    """Register the commands of this module."""
    p = sub.add_parser(
        "import", help="normalize existing tool outputs", description="normalize existing outputs"
    )
    p.add_argument("tool", choices=sorted(PARSERS))
    p.add_argument("files", nargs="+", type=Path)
    add_arguments(p, "import")
    p.set_defaults(func=run_import)
    p = sub.add_parser("report", help="render a JSON result again in other formats")
    p.add_argument("result", type=Path)
    add_arguments(p, "report")
    p.set_defaults(func=run_report)
    p = sub.add_parser("merge", help="combine results (CI shards) into one")
    p.add_argument("results", nargs="+", type=Path)
    add_arguments(p, "merge")
    p.set_defaults(func=run_merge)
    p = sub.add_parser("baseline", help="write .secscan-baseline.json so only new findings fail the gate")
    p.add_argument("action", choices=("create", "update"))
    add_scan_arguments(p, "baseline")
    p.add_argument("--from-result", type=Path, default=None, help="take the findings from a JSON result")
    p.add_argument("--reason", default=None)
    p.add_argument("--owner", default=None)
    p.add_argument("--expires", default=None, help="YYYY-MM-DD")
    p.add_argument(
        "--output", type=Path, default=None, help="baseline file (default: PATH/.secscan-baseline.json)"
    )
    p.set_defaults(func=run_baseline, command="baseline")
    p = sub.add_parser("doctor", help="check that every scanner is found and really detects its canary")
    p.add_argument("path", nargs="?", default=".")
    p.add_argument("--format", choices=("text", "json"), default="text")
    add_arguments(p, "doctor")
    p.set_defaults(func=run_doctor)


def _fail_on(opts: ScanOptions) -> str | None:
    """--fail-on when given (report and merge keep the results' own gate otherwise)."""
    return opts.fail_on if opts.source("fail_on") is not Source.DEFAULT else None


def run_import(args: argparse.Namespace) -> int:
    """secscan import TOOL FILE...: a result made only of ingested outputs (a bad file is exit 2)."""
    from secscan.results.finish import finish
    from secscan.run.imports import run_imports

    opts = with_report_dir(options_from(args, "import"))
    started = datetime.now(UTC)
    runs = run_imports([(args.tool, f) for f in args.files], strict=True)
    result = finish(
        opts,
        [f for r in runs for f in r.findings],
        [r.result for r in runs],
        started.isoformat(timespec="seconds"),
        0.0,
        False,
        [],
        str(uuid.uuid4()),
        __version__,
    )
    return emit(result, opts.formats, opts.output_dir or Path("reports"), bool(args.quiet))


def _load(path: Path) -> Any:
    from secscan.formats.json_report import loads

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: {exc.strerror or exc}") from None
    return loads(data, str(path))


def run_report(args: argparse.Namespace) -> int:
    """secscan report RESULT.json: render again; with --fail-on the gate is re-evaluated and decides the exit
    code (without it, rendering exits 0)."""
    from secscan.formats.write import write_reports

    opts = with_report_dir(options_from(args, "report"))
    result = _load(args.result)
    fail_on = _fail_on(opts)
    if fail_on:
        gate = evaluate(result.findings, result.scanners, fail_on, opts.allow_incomplete)
        result = replace(result, gate=gate)
    written = write_reports(result, opts.formats, opts.output_dir or Path("reports"))
    if not args.quiet:
        print("Reports: " + ", ".join(map(str, written)))
    return result.gate.exit_code if fail_on else EXIT_OK  # --fail-on re-gates: its verdict is the exit code


def run_merge(args: argparse.Namespace) -> int:
    """secscan merge A.json B.json ...: one result, duplicates merged, health combined."""
    from secscan.results.merge import combine

    opts = with_report_dir(options_from(args, "merge"))
    results = [_load(p) for p in args.results]
    merged = combine(results, _fail_on(opts), opts.allow_incomplete)
    return emit(merged, opts.formats, opts.output_dir or Path("reports"), bool(args.quiet))


def run_baseline(args: argparse.Namespace) -> int:
    """secscan baseline create/update [PATH]."""
    from secscan import api
    from secscan.results import baseline
    from secscan.results.triage import BASELINE_NAME

    try:
        expires = date.fromisoformat(args.expires) if args.expires else None
    except ValueError:
        raise UsageError(f"--expires must be YYYY-MM-DD, not {args.expires!r}") from None
    if args.from_result is not None:
        result = _load(args.from_result)
        target = Path(args.path)
    else:
        opts = replace(scan_options(args, "baseline", scan_command="all"), baseline=None)
        result = api.run(opts)
        target = opts.target
        if result.gate.incomplete and not opts.allow_incomplete:
            print(
                "secscan: warning: the scan was incomplete; the baseline holds only what really ran",
                file=sys.stderr,
            )
    out = args.output or (target / BASELINE_NAME)
    n = baseline.write(out, result, args.reason, args.owner, expires, update=args.action == "update")
    print(f"secscan: wrote {n} baseline entries to {out} (fingerprints and hashes only)")
    return EXIT_OK


def run_doctor(args: argparse.Namespace) -> int:
    """secscan doctor: every scanner found, version, canary detected (with what a scan would use)."""
    from secscan.run.doctor import diagnose, render

    opts = options_from(args, "doctor", args.path)
    report = diagnose(opts.target, offline=opts.offline, osv_db=opts.osv_db, timeout=opts.timeout,
                      scanners=opts.scanners, extra=dict(opts.extra) or None, required=opts.required)
    sys.stdout.write(render(report, args.format))
    return report.exit_code
