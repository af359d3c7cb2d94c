"""`secscan pqc`: does this environment's liboqs KEM really work, or is it a stub or a fallback?"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from secscan.analyzers.pqc.reference import DEFAULT_ALGS
from secscan.analyzers.pqc.render import render_text
from secscan.analyzers.pqc.verify import verify
from secscan.cli.options import add_arguments as add_options
from secscan.cli.options import options_from
from secscan.core.errors import UsageError
from secscan.core.model import Parsed, ScannerResult, Severity, Status
from secscan.core.serialize import finding_to_dict, scanner_to_dict
from secscan.scanners.pqc import result_to_parsed

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INCOMPLETE = 0, 1, 2, 3


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `secscan pqc` (--alg, --require, --python, --timeout, --config from the option table)."""
    add_options(parser, "pqc")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")


def exit_code(parsed: Parsed) -> int:
    """1 on a critical finding (stub, or required but unavailable); 3 when the check failed; else 0.

    An unavailable liboqs that is not required is `skipped`, which does not fail the gate (the contract).
    """
    if any(f.severity >= Severity.CRITICAL for f in parsed.findings):
        return EXIT_FINDINGS
    if parsed.status in (Status.OK, Status.SKIPPED):
        return EXIT_OK
    return EXIT_INCOMPLETE


def to_json(parsed: Parsed, duration_s: float) -> str:
    """The scanner entry and findings, as in the report."""
    entry = ScannerResult("pqc", parsed.status, parsed.version, duration_s, parsed.reason,
                          len(parsed.findings), parsed.coverage, parsed.evidence)
    return json.dumps({"scanner": scanner_to_dict(entry),
                       "findings": [finding_to_dict(f) for f in parsed.findings]}, indent=2)


def run(args: argparse.Namespace) -> int:
    """Run the check, print the evidence, return the exit code."""
    t0 = time.monotonic()
    try:
        opts = options_from(args, "pqc", Path.cwd())  # [tool.secscan] require_pqc applies
        for note in opts.configuration.notes:  # e.g. pqc_python from ./pyproject.toml, refused
            print(f"secscan pqc: {note}", file=sys.stderr)
        algs = tuple(opts.extra.get("pqc_algs") or DEFAULT_ALGS)
        result = verify(algs, python=opts.extra.get("pqc_python"), timeout=opts.timeout)
    except UsageError as exc:
        print(f"secscan pqc: {exc}", file=sys.stderr)
        return EXIT_USAGE
    parsed = result_to_parsed(result, opts.require_pqc)
    if args.format == "json":
        print(to_json(parsed, time.monotonic() - t0))
    else:
        findings = [f"{f.severity.label.upper()} {f.title}: {f.remediation}" for f in parsed.findings]
        text = render_text(dict(parsed.evidence or {}), parsed.status.value, findings)
        if parsed.status is Status.SKIPPED:
            text += "\n  skipped: liboqs is unavailable; pass --require to make that a critical finding"
        print(text)
    return exit_code(parsed)


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point (python -m secscan.cli.pqc)."""
    parser = argparse.ArgumentParser(prog="secscan pqc", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
