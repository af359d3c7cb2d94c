"""The trust model (README "Trust model"): which settings the scanned tree may give, and the description of
the configuration in effect that every report carries.

Settings come from the command line or ``secscan.scan()`` arguments, a ``--config FILE`` the caller names and
the user-level configuration (all trusted), and from the scanned tree's pyproject.toml (untrusted: a pull
request writes it). A setting from the tree that runs a program, opens connections, chooses what counts as a
vulnerability or names a path outside the tree is refused (its default applies) unless the caller trusts the
tree's configuration (``--trust-tree-config``); the tree can never grant that trust itself. Settings that
weaken the gate still apply from the tree, and the reports list each of them with its source.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from secscan.config.declare import BY_KEY, BY_NAME, Option
from secscan.config.load import Config
from secscan.core.model import ConfigSetting, Configuration, Trust
from secscan.core.options import Source

WHY = {
    Trust.EXECUTES: "it would run a program the scanned tree names",
    Trust.CONTACTS: "it would open connections where the scanned tree says",
    Trust.CHOOSES_TRUTH: "it would let the scanned tree choose what counts as a vulnerability",
}
ALLOW = "--trust-tree-config (or the option on the command line) allows it"
SELF_TRUST = ("the scanned tree cannot trust itself (only the command line, --config FILE or the user "
              "configuration can)")
OUTSIDE = "it names a path outside the scanned tree"
OFFLINE = "offline: no connection but the loopback self-test"
MTLS_CHECK = ("mtls_target", "mtls_ca", "mtls_cert", "mtls_key", "mtls_server_name", "mtls_pq",
              "mtls_require_pq")


def _outside(value: Any, root: Path) -> bool:
    """A path value (str or Path) that does not lie under root (symbolic links resolved)."""
    try:
        return not Path(os.fspath(value)).resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError, TypeError, ValueError):
        return True


def refusal(opt: Option, value: Any, root: Path, trusted: bool) -> str | None:
    """Why the tree may not give this value (None: it may)."""
    if opt.trust is Trust.GRANTS_TRUST:
        return SELF_TRUST
    if trusted:
        return None
    if opt.trust.dangerous:
        return f"{WHY[opt.trust]}; {ALLOW}"
    if opt.takes_path and value is not None and _outside(value, root):
        return f"{OUTSIDE}; {ALLOW}"
    return None


@dataclass(frozen=True)
class Refused:
    """A tree setting left out: the option and why."""

    option: Option
    value: Any
    reason: str
    status: str = "refused"  # or "ignored" (--strict)
    source: Source = Source.TREE


def refuse(tree: Config, winners: Mapping[str, Source], root: Path, trusted: bool) -> list[Refused]:
    """The tree's settings that would win and may not: each with why (the tree's own value is dropped)."""
    out = []
    for key, value in tree.values.items():
        opt = BY_KEY.get(key)
        if opt is None or winners.get(opt.name) is not Source.TREE:
            continue  # another source gives it (or the command does not take it): the tree's value lost
        why = refusal(opt, value, root, trusted)
        if why is not None:
            out.append(Refused(opt, value, why))
    return out


def without(tree: Config, keys: Iterable[str], replaced: Mapping[str, Any] | None = None) -> Config:
    """The tree's configuration with some keys dropped (and others replaced)."""
    gone = set(keys)
    values = {k: v for k, v in tree.values.items() if k not in gone}
    values.update(replaced or {})
    return Config(tree.source, values, tree.origin, tree.lines)


def plain(value: Any, root: Path | None = None) -> Any:
    """A JSON-ready copy of a setting's value (paths under root shown relative to it)."""
    if isinstance(value, os.PathLike) or (isinstance(value, str) and root is not None
                                          and os.path.isabs(value)):
        path = Path(os.fspath(value))
        if root is not None and path.is_relative_to(root):
            return path.relative_to(root).as_posix() or "."
        return str(path)
    if isinstance(value, Mapping):
        return {str(k): plain(v, root) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v, root) for v in value]
    return value


def where(conf: Config | None, key: str | None, root: Path) -> tuple[str | None, int | None]:
    """The configuration file that gave a key (relative to root when inside) and its line."""
    if conf is None or conf.source is None:
        return None, None
    name = plain(conf.source.resolve(), root.resolve())
    return str(name), conf.lines.get(key or "")


@dataclass(frozen=True)
class Described:
    """What build_options hands over to describe the configuration in effect."""

    values: Mapping[str, Any]  # option name -> value in effect
    sources: Mapping[str, tuple[Source, ...]]
    layers: Mapping[Source, Config]  # the configuration files read, by source
    left_out: Sequence[Refused]  # refused or ignored tree settings
    changes: Mapping[str, str]  # option name -> what the change since the reference adds or loosens
    trusted: bool
    strict: bool
    reference: str | None


def describe(d: Described, root: Path) -> Configuration:
    """Every setting that weakens the gate or does something dangerous and does not have its default value
    (with its source), then every refused or ignored tree setting (with why)."""
    root = root.resolve()
    settings = []
    for name, value in d.values.items():
        opt = BY_NAME[name]
        source = (d.sources.get(name) or (Source.DEFAULT,))[-1]
        if opt.trust is Trust.NEUTRAL or source is Source.DEFAULT or opt.trust is Trust.GRANTS_TRUST:
            continue
        file, line = where(d.layers.get(source), opt.key, root)
        from_tree = Source.TREE in (d.sources.get(name) or ())
        tree_file, tree_line = where(d.layers.get(Source.TREE), opt.key, root) if from_tree else (None, None)
        settings.append(ConfigSetting(opt.key or name, plain(value, root), source.value, opt.trust,
                                      change=d.changes.get(name), file=file or tree_file,
                                      line=line or tree_line))
    for r in d.left_out:
        file, line = where(d.layers.get(r.source), r.option.key, root)
        settings.append(ConfigSetting(r.option.key or r.option.name, plain(r.value, root), r.source.value,
                                      r.option.trust, r.status, r.reason, d.changes.get(r.option.name), file,
                                      line))
    files = {s.value: str(where(c, None, root)[0]) for s, c in d.layers.items() if c.source is not None}
    return Configuration(tuple(settings), d.trusted, d.strict, d.reference, files)


def offline_target(target: Any, source: Source) -> Refused:
    """--offline: the mTLS target check is skipped (the loopback self-test still runs)."""
    return Refused(BY_NAME["mtls_target"], target, OFFLINE, "refused", source)


def skipped_target(values: Mapping[str, Any], left_out: Sequence[Refused]) -> dict[str, str] | None:
    """What the mTLS scanner is told about a target it must not check (ScanContext option
    ``mtls_target_skipped``): the target and why, or None."""
    if values.get("mtls_target"):
        return None
    for r in left_out:
        if r.option.name == "mtls_target":
            return {"target": str(r.value), "reason": r.reason}
    return None
