"""``build_options``: ScanOptions from arguments (command line or API) over ``--config FILE`` over the user's
configuration over the scanned tree's ``[tool.secscan]`` over defaults, every value validated by its option
(``secscan.config.declare``), every setting's source recorded, and the trust model applied: dangerous
settings from the tree refused, gate-weakening ones described (``secscan.config.trust``, ``.changed``)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from secscan.config import changed, trust
from secscan.config.declare import BY_KEY, BY_NAME, COMMANDS, SCANNING, Option
from secscan.config.load import Config, load, load_user
from secscan.config.tools import mark_changes, tool_settings
from secscan.config.values import Given
from secscan.core.errors import UsageError
from secscan.core.model import Trust
from secscan.core.options import ScanOptions, Source

_MTLS_FILES = ("mtls_ca", "mtls_cert", "mtls_key")


@dataclass(frozen=True)
class _Setting:
    value: Any
    sources: tuple[Source, ...]
    label: str  # how an error message names the value that won


@dataclass(frozen=True)
class _Layers:
    """The configuration files, lowest precedence first: the tree (not read with --config), the user's,
    --config FILE."""

    tree: Config = field(default_factory=Config)
    user: Config = field(default_factory=lambda: Config(origin=Source.USER_CONFIG))
    file: Config = field(default_factory=lambda: Config(origin=Source.CONFIG_FILE))

    def ordered(self) -> tuple[Config, ...]:
        return self.tree, self.user, self.file

    def by_source(self) -> dict[Source, Config]:
        return {c.origin: c for c in self.ordered() if c.source is not None}


@dataclass
class _Review:
    """What the trust model did to the tree's configuration."""

    tree: Config
    left_out: list[trust.Refused]
    changes: dict[str, str] = field(default_factory=dict)  # option name -> what the change loosens
    trusted: bool = False
    strict: bool = False
    reference: str | None = None


def build_options(target: str | os.PathLike[str] = ".", *, command: str = "all",
                  config_file: str | os.PathLike[str] | None = None, paths: Sequence[str] = (),
                  origin: Source = Source.API, **overrides: Any) -> ScanOptions:
    """The options of one command: ``overrides`` (None: not given) win over the configuration
    (``config_file``, else TARGET/pyproject.toml, with the user's configuration between them and the
    arguments), which wins over the defaults, as command-line flags do.

    ``paths`` are explicit files inside target (``secscan secrets FILE...``); ``origin`` says whether the
    overrides come from the command line or the API (error messages name flags or keywords accordingly).
    Any wrong value raises UsageError with one line; an unknown option name raises TypeError.
    """
    if command not in COMMANDS:
        raise UsageError(f"unknown command {command!r} (known: {', '.join(sorted(COMMANDS))})")
    options = _applicable(command, overrides)
    root = _target(Path(target), command)
    layers = _layers(root, command, options, config_file)
    settings = _resolve_all(options, command, overrides, layers, origin)
    _check_files(settings, command)
    review = _review(settings, layers, root, command, options)
    if review.tree is not layers.tree:
        layers = replace(layers, tree=review.tree)
        settings = _resolve_all(options, command, overrides, layers, origin)
    review.left_out += _offline_mtls(settings)
    fields = {n: s.value for n, s in settings.items() if BY_NAME[n].dest == "field"}
    if "osv_db" in fields and fields["osv_db"] is None and fields.get("offline"):
        from secscan.analyzers.advisories.db_store import current  # offline: the installed database, if any

        fields["osv_db"] = current()
    extra = {n: s.value for n, s in settings.items() if BY_NAME[n].dest == "extra" and s.value is not None}
    if isinstance(extra.get("pqc_algs"), tuple):
        extra["pqc_algs"] = list(extra["pqc_algs"])  # the scanners' context holds what TOML would give
    skipped = trust.skipped_target(extra, review.left_out)
    if skipped is not None:
        extra["mtls_target_skipped"] = skipped
    sources = {n: s.sources for n, s in settings.items()}
    described = trust.Described({n: s.value for n, s in settings.items()}, sources, layers.by_source(),
                                review.left_out, review.changes, review.trusted, review.strict,
                                review.reference)
    sources["target"] = (origin,)
    configuration = trust.describe(described, root)
    if command in SCANNING:
        own = tool_settings(root, command, fields.get("scanners"))
        since = fields.get("changed_since")
        if own and (since or review.strict):
            ref = review.reference or changed.reference(since)
            own = mark_changes(own, root, ref, review.strict)
            configuration = replace(configuration, reference=ref)
        configuration = replace(configuration, settings=(*configuration.settings, *own))
    return ScanOptions(target=root.resolve() if command in SCANNING else root, command=command,
                       paths=tuple(paths), extra=extra, sources=sources, configuration=configuration,
                       **fields)


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


def _layers(root: Path, command: str, options: Sequence[Option], config_file: Any) -> _Layers:
    """Read the configuration files this command needs."""
    explicit = Path(config_file) if config_file is not None else None
    if explicit is None and not any(o.reads_config(command) for o in options):
        return _Layers()
    user = load_user()
    if explicit is not None:
        return _Layers(user=user, file=load(root, explicit))
    return _Layers(tree=load(root), user=user)


def _resolve_all(options: Sequence[Option], command: str, overrides: dict[str, Any], layers: _Layers,
                 origin: Source) -> dict[str, _Setting]:
    settings = {o.name: _resolve(o, command, overrides.get(o.name), layers, origin) for o in options}
    _arguments_win(settings, origin)
    return settings


def _resolve(opt: Option, command: str, given: Any, layers: _Layers, origin: Source) -> _Setting:
    """One setting: the argument, else the highest configuration that has it, else the default (lists
    marked merge: every configuration's, then the argument's)."""
    key = opt.key or ""
    found = [c for c in layers.ordered() if opt.reads_config(command) and key in c.values]
    if given is not None:
        label = opt.label(command, origin)
        value = opt.convert(given, Given(label))
        if opt.merge and found:
            merged = tuple(x for c in found for x in c.values[key])
            return _Setting((*merged, *value), (*(c.origin for c in found), origin), label)
        return _Setting(value, (origin,), label)
    if found and opt.merge:
        merged = tuple(x for c in found for x in c.values[key])
        return _Setting(merged, tuple(c.origin for c in found), found[-1].label(key))
    if found:
        return _Setting(found[-1].values[key], (found[-1].origin,), found[-1].label(key))
    default = opt.default_for(command)
    return _Setting(dict(default) if isinstance(default, dict) else default, (Source.DEFAULT,), opt.name)


def _arguments_win(settings: dict[str, _Setting], origin: Source) -> None:
    """A timeout given as an argument wins over the configuration's per-scanner table too."""
    timeout, table = settings.get("timeout"), settings.get("timeouts")
    if not (timeout and table and table.value):
        return
    if timeout.sources[-1] is origin and table.sources[-1] is not origin:
        settings["timeouts"] = _Setting({}, (*table.sources, origin), timeout.label)


def _value(settings: dict[str, _Setting], name: str) -> Any:
    s = settings.get(name)
    return s.value if s is not None else None


def _review(settings: dict[str, _Setting], layers: _Layers, root: Path, command: str,
            options: Sequence[Option]) -> _Review:
    """Refuse the tree's dangerous settings (unless trusted); compare its gate-weakening ones with the
    reference revision (--changed-since, --strict) and, with --strict, drop what the change loosens."""
    winners = {n: s.sources[-1] for n, s in settings.items()}
    own = settings.get("trust_tree_config")
    trusted = bool(own and own.value and own.sources[-1] is not Source.TREE)
    review = _Review(layers.tree, trust.refuse(layers.tree, winners, root, trusted), trusted=trusted,
                     strict=bool(_value(settings, "strict")))
    review.tree = trust.without(layers.tree, [r.option.key or "" for r in review.left_out])
    keys = [o.key for o in options if o.key and o.trust is Trust.WEAKENS_GATE
            and Source.TREE in settings[o.name].sources]
    since = _value(settings, "changed_since")
    if keys and command in SCANNING and (review.strict or since):
        _compare(review, root, keys, since, {o.key: o.default_for(command) for o in options if o.key})
    return review


def _compare(review: _Review, root: Path, keys: Sequence[str], since: str | None,
             defaults: dict[str, Any]) -> None:
    """What the change since the reference loosens: findings-to-be, or (--strict) ignored."""
    review.reference = ref = changed.reference(since)
    failsafe = ""
    try:
        old = changed.at_reference(review.tree, root, ref)
    except UsageError as exc:
        if since and not review.strict:
            raise UsageError(f"--changed-since: {exc}") from None
        old, failsafe = Config(), f" ({exc}: every gate-weakening setting of the tree counts as the change's)"
    loosened = changed.compare(old, review.tree, keys, defaults)
    if not review.strict:
        review.changes = {BY_KEY[k].name: f"{found.what} to [tool.secscan]" for k, found in loosened.items()}
        return
    for key, found in loosened.items():
        kept = "its value there applies" if key in old.values else "the default applies"
        if found.strict is not None and key not in old.values:
            kept = f"{changed.toml(found.strict)} applies"
        why = f"--strict: compared with {ref}, the change {found.what}; {kept}{failsafe}"
        review.left_out.append(trust.Refused(BY_KEY[key], review.tree.values[key], why, "ignored"))
    dropped = [k for k, found in loosened.items() if found.strict is None]
    kept_values = {k: found.strict for k, found in loosened.items() if found.strict is not None}
    review.tree = trust.without(review.tree, dropped, kept_values)


def _offline_mtls(settings: dict[str, _Setting]) -> list[trust.Refused]:
    """--offline: no connection but the loopback self-test, so an mTLS target (from anywhere) is dropped."""
    target = settings.get("mtls_target")
    if not (_value(settings, "offline") and target is not None and target.value):
        return []
    for name in trust.MTLS_CHECK:
        if name in settings:
            settings[name] = _Setting(None, (Source.DEFAULT,), name)
    return [trust.offline_target(target.value, target.sources[-1])]


def _check_files(settings: dict[str, _Setting], command: str) -> None:
    """Folders and files that must exist, a baseline that must load, mTLS settings that go together."""
    for name in ("osv_db", "semgrep_rules"):
        s = settings.get(name)
        if s is not None and s.value is not None and not Path(s.value).is_dir():
            raise UsageError(f"{s.label} {s.value}: not a folder")
    db = settings.get("osv_db")
    if db is not None and db.value is not None:
        from secscan.analyzers.advisories.osv import FORMATS, has_records

        if not has_records(Path(db.value)):
            raise UsageError(f"{db.label} {db.value}: no advisory records (read: {FORMATS}; or a database "
                             "installed by `secscan db`)")
    base = settings.get("baseline")
    if base is not None and base.value is not None:
        if not base.value.is_file():
            raise UsageError(f"{base.label} {base.value}: no such file; create it with `secscan baseline "
                             f"create --reason \"accepted at adoption\" --output {base.value}` (it accepts "
                             "the current findings), or drop --baseline")
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
