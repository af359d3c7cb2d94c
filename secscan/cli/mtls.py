"""`secscan mtls`: does mutual TLS really work? --self-test, or --target HOST:PORT with a client cert."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from secscan.analyzers.mtls.check import check_target, make_target_spec, self_test
from secscan.analyzers.mtls.render import render_text
from secscan.cli.options import add_arguments as add_options
from secscan.cli.options import options_from
from secscan.core.errors import UsageError
from secscan.core.model import Parsed, ScannerResult, Severity, Status
from secscan.core.serialize import finding_to_dict, scanner_to_dict
from secscan.scanners.mtls import verdict_to_parsed

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INCOMPLETE = 0, 1, 2, 3


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `secscan mtls` (--target, --ca, --cert, --key, --server-name, --pq, --require-pq and
    --timeout from the option table)."""
    parser.add_argument("--self-test", action="store_true",
                        help="check the local TLS stack against a throwaway PKI on a loopback server")
    add_options(parser, "mtls")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")


def exit_code(parsed: Parsed) -> int:
    """1 on a critical finding, 3 when the check did not complete, else 0."""
    if any(f.severity >= Severity.CRITICAL for f in parsed.findings):
        return EXIT_FINDINGS
    return EXIT_OK if parsed.status is Status.OK else EXIT_INCOMPLETE


def to_json(parsed: Parsed, duration_s: float) -> str:
    """The scanner entry and findings, as in the report."""
    entry = ScannerResult("mtls", parsed.status, parsed.version, duration_s, parsed.reason,
                          len(parsed.findings), parsed.coverage, parsed.evidence)
    return json.dumps({"scanner": scanner_to_dict(entry),
                       "findings": [finding_to_dict(f) for f in parsed.findings]}, indent=2)


def _check(args: argparse.Namespace) -> Parsed:
    opts = options_from(args, "mtls", Path.cwd())  # no configuration: only what the command line says
    x = opts.extra
    if args.self_test and x.get("mtls_target"):
        raise UsageError("--self-test and --target exclude each other")
    if x.get("mtls_target"):
        spec = make_target_spec(x["mtls_target"], x.get("mtls_ca"), x.get("mtls_cert"), x.get("mtls_key"),
                                server_name=x.get("mtls_server_name"), timeout=opts.timeout,
                                pq=bool(x.get("mtls_pq")), require_pq=bool(x.get("mtls_require_pq")))
        return verdict_to_parsed(check_target(spec))
    if not args.self_test:
        raise UsageError("give --self-test, or --target HOST:PORT --ca CA.pem --cert CLIENT.pem "
                         "--key CLIENT.key")
    if any(x.get(k) for k in ("mtls_ca", "mtls_cert", "mtls_key", "mtls_server_name")):
        raise UsageError("--ca, --cert, --key and --server-name go with --target, not --self-test")
    return verdict_to_parsed(self_test(opts.timeout))


def run(args: argparse.Namespace) -> int:
    """Run the check, print the evidence, return the exit code."""
    t0 = time.monotonic()
    try:
        parsed = _check(args)
    except UsageError as exc:
        print(f"secscan mtls: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.format == "json":
        print(to_json(parsed, time.monotonic() - t0))
    else:
        print(render_text(parsed))
    return exit_code(parsed)


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point (python -m secscan.cli.mtls)."""
    parser = argparse.ArgumentParser(prog="secscan mtls", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
