"""Command line: ``main(argv) -> exit code``. Thin: parses options, calls the library, prints."""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from collections.abc import Callable, Sequence

from secscan.core.errors import SecscanError
from secscan.core.version import __version__
from secscan.results.gate import EXIT_INCOMPLETE, EXIT_USAGE

SCAN_COMMANDS = {
    "all": "every scanner and check that applies, in parallel",
    "sast": "bandit and semgrep",
    "deps": "pip-audit and npm audit on the dependency files (offline with --osv-db)",
    "secrets": "detect-secrets and secscan's own secret patterns (--staged: what git has staged)",
    "container": "scan container images with Trivy",
}
# Other names a user may guess for a scanning command: alias -> command.
ALIASES = {"scan": "all"}
# Commands implemented in their own modules: name -> (module, help).
MODULE_COMMANDS = {
    "pqc": ("secscan.cli.pqc", "verify that a liboqs KEM really works (not a stub)"),
    "mtls": ("secscan.cli.mtls", "verify that mutual TLS is really enforced"),
    "db": ("secscan.cli.db", "the local advisory database for offline audits: update, status, import"),
}


def one_line(text: str, limit: int = 2000) -> str:
    """A message as one printable line: line breaks, terminal escapes and other control characters from
    file names or tool output are shown escaped, never interpreted by the terminal; secrets are masked."""
    out = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    out = out if len(out) <= limit else out[:limit] + "..."
    try:  # a file name or a tool's message may hold a secret
        from secscan.analyzers.secrets.redact import redact_text

        return redact_text(out)
    except Exception:
        return out


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        """One line, like every other usage error (exit 2); the usage is one --help away."""
        print(f"secscan: error: {one_line(message)} (see `{self.prog} --help`)", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def build_parser(wanted: str | None = None) -> argparse.ArgumentParser:
    """The whole command line. Module commands (pqc, mtls) are imported only when wanted is one of them
    (or None: all), which keeps start-up cheap for the pre-commit path."""
    from secscan.cli import scan as cli_scan
    from secscan.cli import tools as cli_tools

    parser = _Parser(prog="secscan", description="Run security scanners with honest scanner health.")
    parser.add_argument("--version", action="version", version=f"secscan {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, help_text in SCAN_COMMANDS.items():
        aliases = [a for a, c in ALIASES.items() if c == name]
        p = sub.add_parser(name, help=help_text, description=help_text, aliases=aliases)
        cli_scan.add_scan_arguments(p, name)
        p.set_defaults(func=cli_scan.run_scan)
    cli_tools.add_commands(sub)
    for name, (module, help_text) in MODULE_COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if wanted is None or wanted == name:
            mod = importlib.import_module(module)
            mod.add_arguments(p)
            p.set_defaults(func=mod.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run secscan; returns the exit code (see the contract)."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args_list
    try:
        first = next((a for a in args_list if not a.startswith("-")), None)
        parser = build_parser(first if first in MODULE_COMMANDS or first is None else "")
        args = parser.parse_args(args_list)
        args.command = ALIASES.get(args.command, args.command)
        func: Callable[[argparse.Namespace], int] = args.func
        return func(args)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    except SecscanError as exc:
        if debug:
            traceback.print_exc()
        print(f"secscan: error: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("secscan: interrupted", file=sys.stderr)
        return EXIT_INCOMPLETE
    except Exception as exc:  # a bug in secscan: never read as clean
        if debug:
            traceback.print_exc()
        print(
            f"secscan: internal error: {type(exc).__name__}: {one_line(str(exc))} (run with --debug for "
            "details)",
            file=sys.stderr,
        )
        return EXIT_INCOMPLETE


if __name__ == "__main__":
    raise SystemExit(main())
