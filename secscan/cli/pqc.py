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
from secscan.config import load as config
from secscan.core.errors import UsageError
from secscan.core.model import Parsed, ScannerResult, Severity, Status
from secscan.core.serialize import finding_to_dict, scanner_to_dict
from secscan.scanners.pqc import result_to_parsed

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INCOMPLETE = 0, 1, 2, 3
DEFAULT_TIMEOUT = 30.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `secscan pqc`."""
    parser.add_argument("--alg", action="append", metavar="NAME",
                        help=f"KEM to check (repeatable; default {', '.join(DEFAULT_ALGS)}; "
                             "any other KEM liboqs enables)")
    parser.add_argument("--require", action="store_true", default=None,
                        help="liboqs unavailable is a critical finding (also [tool.secscan] require_pqc)")
    parser.add_argument("--python", metavar="PATH",
                        help="check the oqs module this interpreter (or virtual environment folder) imports")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                        help=f"for the child process that exercises oqs (default {DEFAULT_TIMEOUT:g})")
    parser.add_argument("--config", metavar="FILE", type=Path,
                        help="read [tool.secscan] from FILE instead of ./pyproject.toml")


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


def _require(args: argparse.Namespace) -> bool:
    if args.require is not None:
        return bool(args.require)
    return bool(config.load(Path.cwd(), args.config).get("require_pqc", False))


def run(args: argparse.Namespace) -> int:
    """Run the check, print the evidence, return the exit code."""
    t0 = time.monotonic()
    try:
        if args.timeout is None or args.timeout <= 0:
            raise UsageError("--timeout must be a positive number of seconds")
        require = _require(args)
        result = verify(tuple(args.alg or DEFAULT_ALGS), python=args.python, timeout=args.timeout)
    except UsageError as exc:
        print(f"secscan pqc: {exc}", file=sys.stderr)
        return EXIT_USAGE
    parsed = result_to_parsed(result, require)
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
