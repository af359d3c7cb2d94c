"""``build_options``: ScanOptions from arguments (command line or API) over ``[tool.secscan]`` over defaults,
every value validated by its option (``secscan.config.declare``), every setting's source recorded."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from secscan.config.declare import BY_NAME, COMMANDS, SCANNING, Option
from secscan.config.load import Config, load
from secscan.config.values import Given
from secscan.core.errors import UsageError
from secscan.core.options import ScanOptions, Source

_MTLS_FILES = ("mtls_ca", "mtls_cert", "mtls_key")


@dataclass(frozen=True)
class _Setting:
    value: Any
    sources: tuple[Source, ...]
    label: str  # how an error message names the value that won


def build_options(target: str | os.PathLike[str] = ".", *, command: str = "all",
                  config_file: str | os.PathLike[str] | None = None, paths: Sequence[str] = (),
                  origin: Source = Source.API, **overrides: Any) -> ScanOptions:
    """The options of one command: ``overrides`` (None: not given) win over the configuration
    (``config_file``, else TARGET/pyproject.toml), which wins over the defaults, as command-line flags do.

    ``paths`` are explicit files inside target (``secscan secrets FILE...``); ``origin`` says whether the
    overrides come from the command line or the API (error messages name flags or keywords accordingly).
    Any wrong value raises UsageError with one line; an unknown option name raises TypeError.
    """
    if command not in COMMANDS:
        raise UsageError(f"unknown command {command!r} (known: {', '.join(sorted(COMMANDS))})")
    options = _applicable(command, overrides)
    root = _target(Path(target), command)
    explicit = Path(config_file) if config_file is not None else None
    reads = explicit is not None or any(o.reads_config(command) for o in options)
    conf = load(root, explicit) if reads else Config()
    settings = {o.name: _resolve(o, command, overrides.get(o.name), conf, origin) for o in options}
    _arguments_win(settings, origin)
    _check_files(settings, command)
    fields = {n: s.value for n, s in settings.items() if BY_NAME[n].dest == "field"}
    extra = {n: s.value for n, s in settings.items() if BY_NAME[n].dest == "extra" and s.value is not None}
    if isinstance(extra.get("pqc_algs"), tuple):
        extra["pqc_algs"] = list(extra["pqc_algs"])  # the scanners' context holds what TOML would give
    sources = {n: s.sources for n, s in settings.items()}
    sources["target"] = (origin,)
    return ScanOptions(target=root.resolve() if command in SCANNING else root, command=command,
                       paths=tuple(paths), extra=extra, sources=sources, **fields)


def _applicable(command: str, overrides: dict[str, Any]) -> list[Option]:
    unknown = sorted(n for n in overrides if n not in BY_NAME or BY_NAME[n].dest == "cli")
    if unknown:
        raise TypeError(f"unknown option(s): {', '.join(unknown)}")
    options = [o for o in BY_NAME.values() if command in o.commands and o.dest != "cli"]
    foreign = sorted(n for n, value in overrides.items()
                     if value is not None and command not in BY_NAME[n].commands)
    if foreign:
        raise UsageError(f"`secscan {command}` does not take {', '.join(foreign)}")
    return options


def _target(target: Path, command: str) -> Path:
    """The folder to scan: it must exist and be a folder (``secscan secrets`` takes files as ``paths``)."""
    if not target.exists():
        raise UsageError(f"{target}: no such file or folder")
    if not target.is_dir():
        hint = " (to scan single files: secscan secrets FILE...)" if command in SCANNING else ""
        raise UsageError(f"{target}: not a folder{hint}")
    return target


def _resolve(opt: Option, command: str, given: Any, conf: Config, origin: Source) -> _Setting:
    """One setting: the argument, else the configuration, else the default (lists marked merge: both)."""
    in_conf = opt.reads_config(command) and opt.key in conf.values
    if given is not None:
        label = opt.label(command, origin)
        value = opt.convert(given, Given(label))
        if opt.merge and in_conf:
            return _Setting((*conf.values[opt.key or ""], *value), (conf.origin, origin), label)
        return _Setting(value, (origin,), label)
    if in_conf and opt.key is not None:
        return _Setting(conf.values[opt.key], (conf.origin,), conf.label(opt.key))
    default = opt.default_for(command)
    return _Setting(dict(default) if isinstance(default, dict) else default, (Source.DEFAULT,), opt.name)


def _arguments_win(settings: dict[str, _Setting], origin: Source) -> None:
    """A timeout given as an argument wins over the configuration's per-scanner table too."""
    timeout, table = settings.get("timeout"), settings.get("timeouts")
    if not (timeout and table and table.value):
        return
    if timeout.sources[-1] is origin and table.sources[-1] is not origin:
        settings["timeouts"] = _Setting({}, (*table.sources, origin), timeout.label)


def _check_files(settings: dict[str, _Setting], command: str) -> None:
    """Folders and files that must exist, a baseline that must load, mTLS settings that go together."""
    for name in ("osv_db", "semgrep_rules"):
        s = settings.get(name)
        if s is not None and s.value is not None and not Path(s.value).is_dir():
            raise UsageError(f"{s.label} {s.value}: not a folder")
    base = settings.get("baseline")
    if base is not None and base.value is not None:
        if not base.value.is_file():
            raise UsageError(f"{base.label} {base.value}: no such file")
        from secscan.results.triage import load_baseline

        load_baseline(base.value)  # a broken baseline is exit 2 before any scanner runs
    if command in SCANNING:
        _check_mtls(settings)


def _check_mtls(settings: dict[str, _Setting]) -> None:
    """A scan's mTLS target needs the CA, certificate and key (files); they go only with a target."""
    def given(name: str) -> _Setting | None:
        s = settings.get(name)
        return s if s is not None and s.value is not None else None

    if given("mtls_target"):
        missing = [f"--{k.replace('_', '-')}" for k in _MTLS_FILES if not given(k)]
        if missing:
            raise UsageError(f"--mtls-target needs {', '.join(missing)} (or mtls_ca, mtls_cert, mtls_key "
                             "in [tool.secscan])")
        for k in _MTLS_FILES:
            s = settings[k]
            if not Path(s.value).is_file():
                raise UsageError(f"{s.label} {s.value}: no such file")
    elif any(given(k) for k in (*_MTLS_FILES, "mtls_server_name")):
        raise UsageError("--mtls-ca/--mtls-cert/--mtls-key/--mtls-server-name need --mtls-target")
