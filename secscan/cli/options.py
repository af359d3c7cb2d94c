"""The command line of every option, derived from the option table (``secscan.config.declare``).

Flags are parsed as text (or True/False for flags without a value) and converted by ``build_options``, so a
wrong value is the same one-line usage error (exit 2) whether it comes from the command line, the
configuration or the API.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from secscan.config.build import build_options
from secscan.config.declare import OPTIONS, Option
from secscan.core.options import ScanOptions, Source


def _kwargs(opt: Option, command: str) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"dest": opt.name, "default": None, "help": opt.help_for(command)}
    if opt.action == "toggle":
        kwargs["action"] = argparse.BooleanOptionalAction
    elif opt.action in ("true", "false"):
        kwargs.update(action="store_const", const=opt.action == "true")
    else:
        kwargs["metavar"] = opt.metavar
        if opt.action == "append":
            kwargs["action"] = "append"
        elif opt.action == "optional":
            kwargs.update(nargs="?", const=True)
    return kwargs


def add_arguments(parser: argparse.ArgumentParser, command: str) -> None:
    """Add every option that `secscan COMMAND` has a flag for."""
    for opt in OPTIONS:
        flags = opt.flags_for(command)
        if flags:
            parser.add_argument(*flags, **_kwargs(opt, command))


def given(args: argparse.Namespace, command: str) -> dict[str, Any]:
    """The options given on the command line, by name (what build_options takes)."""
    return {opt.name: getattr(args, opt.name) for opt in OPTIONS
            if opt.dest != "cli" and opt.flags_for(command) and getattr(args, opt.name, None) is not None}


def options_from(args: argparse.Namespace, command: str, target: str | Path = ".", *,
                 scan_command: str | None = None, **more: Any) -> ScanOptions:
    """build_options for `secscan COMMAND`: its flags (and ``more``) over [tool.secscan] over defaults.

    scan_command: the command the options are for when it is not the CLI's (``baseline`` scans as ``all``).
    """
    values = {**given(args, command), **more}
    return build_options(target, command=scan_command or command, config_file=getattr(args, "config", None),
                         origin=Source.COMMAND_LINE, **values)
