"""`secscan mtls`: does mutual TLS really work? --self-test, or --target HOST:PORT with a client cert."""

from __future__ import annotations

import argparse
import json
import sys
import time

from secscan.analyzers.mtls.check import DEFAULT_TIMEOUT, check_target, make_target_spec, self_test
from secscan.analyzers.mtls.render import render_text
from secscan.core.errors import UsageError
from secscan.core.model import Parsed, ScannerResult, Severity, Status
from secscan.core.serialize import finding_to_dict, scanner_to_dict
from secscan.scanners.mtls import verdict_to_parsed

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INCOMPLETE = 0, 1, 2, 3


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `secscan mtls`."""
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--self-test", action="store_true",
                      help="check the local TLS stack against a throwaway PKI on a loopback server")
    mode.add_argument("--target", metavar="HOST:PORT", help="the mTLS server to check")
    parser.add_argument("--ca", metavar="CA.pem", help="CA that issued the server certificate")
    parser.add_argument("--cert", metavar="CLIENT.pem", help="client certificate the server should accept")
    parser.add_argument("--key", metavar="CLIENT.key", help="private key of the client certificate")
    parser.add_argument("--server-name", metavar="NAME", help="name to verify and send as SNI (default HOST)")
    parser.add_argument("--pq", action="store_true",
                        help="also offer only the hybrid group X25519MLKEM768; report if negotiated")
    parser.add_argument("--require-pq", action="store_true", help="a missing X25519MLKEM768 is a finding")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                        help=f"per-socket timeout (default {DEFAULT_TIMEOUT:g})")
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
    if args.timeout is None or args.timeout <= 0:
        raise UsageError("--timeout must be a positive number of seconds")
    if args.target:
        spec = make_target_spec(args.target, args.ca, args.cert, args.key, server_name=args.server_name,
                                timeout=args.timeout, pq=args.pq, require_pq=args.require_pq)
        return verdict_to_parsed(check_target(spec))
    if not args.self_test:
        raise UsageError("give --self-test, or --target HOST:PORT --ca CA.pem --cert CLIENT.pem "
                         "--key CLIENT.key")
    if args.ca or args.cert or args.key or args.server_name:
        raise UsageError("--ca, --cert, --key and --server-name go with --target, not --self-test")
    return verdict_to_parsed(self_test(args.timeout))


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
