"""Every option of secscan, declared once: name, command-line flag, ``[tool.secscan]`` key, converter (type
and validation), default, help, and the commands that take it.

The command line (``secscan.cli.options``), the configuration schema (``secscan.config.load``),
``build_options`` and ``secscan.scan()``'s keyword arguments are all derived from OPTIONS.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from secscan.config import values as v
from secscan.core.model import FAIL_ON_CHOICES, Trust
from secscan.core.options import DEFAULT_FORMATS, Source

SCAN_COMMANDS = ("all", "sast", "deps", "secrets", "container")
SCANNING = frozenset({*SCAN_COMMANDS, "baseline"})  # commands that run a scan
REPORTING = SCANNING | {"import", "report", "merge"}  # commands that write reports
COMMANDS = REPORTING | {"doctor", "pqc", "mtls"}
PQC_TIMEOUT = 30.0
MTLS_TIMEOUT = 10.0  # analyzers.mtls.check.DEFAULT_TIMEOUT (not imported: start-up cost; a test compares)

Action = Literal["store", "true", "false", "toggle", "append", "optional"]
Dest = Literal["field", "extra", "cli"]


@dataclass(frozen=True)
class Variant:
    """How one command spells or defaults an option differently (``secscan pqc --alg``)."""

    flags: tuple[str, ...] | None = None
    default: Any = None
    help: str | None = None


@dataclass(frozen=True)
class Option:
    """One option. ``name`` is the ScanOptions field (dest "field"), the key of ScanOptions.extra that the
    scanners read (dest "extra"), or a command-line-only setting (dest "cli"); it is also scan()'s keyword.

    action: store (a value), true/false (a flag that sets it), toggle (--x/--no-x), append (repeatable),
    optional (a flag with an optional value: True without it).
    commands: the commands that take it; config_in: those that also read ``key`` from [tool.secscan].
    trust: what the setting can do (README "Trust model"): dangerous ones (executes, contacts, chooses-truth,
    grants-trust) are refused from the scanned tree unless the caller trusts it; weakens-gate ones apply
    but every report lists them (and --strict ignores those a change adds).
    """

    name: str
    help: str
    convert: v.Convert
    flags: tuple[str, ...] = ()
    action: Action = "store"
    metavar: str | None = None
    key: str | None = None
    toml: type | tuple[type, ...] = str  # the TOML type of the configuration value
    default: Any = None
    commands: frozenset[str] = SCANNING
    config_in: frozenset[str] = SCANNING
    flag_in: frozenset[str] | None = None  # commands with the flag (default: commands)
    dest: Dest = "field"
    api: bool = True  # a keyword argument of secscan.scan()
    merge: bool = False  # a list given as an argument adds to the configuration's instead of replacing it
    trust: Trust = Trust.NEUTRAL
    variants: Mapping[str, Variant] = field(default_factory=dict)

    def flags_for(self, command: str) -> tuple[str, ...]:
        """The flags this command has for the option (none: not on its command line)."""
        if command not in self.commands or (self.flag_in is not None and command not in self.flag_in):
            return ()
        variant = self.variants.get(command)
        return variant.flags if variant and variant.flags else self.flags

    def default_for(self, command: str) -> Any:
        """The default in this command."""
        variant = self.variants.get(command)
        return variant.default if variant and variant.default is not None else self.default

    def help_for(self, command: str) -> str:
        """The help text in this command."""
        variant = self.variants.get(command)
        return variant.help if variant and variant.help else self.help

    def reads_config(self, command: str) -> bool:
        """Whether this command takes the option from [tool.secscan]."""
        return self.key is not None and command in self.config_in and command in self.commands

    @property
    def takes_path(self) -> bool:
        """Its value is a path on this machine (a tree's value outside the tree is refused)."""
        return self.convert in (v.path, v.absolute, v.resolved, v.program)

    def label(self, command: str, origin: Source) -> str:
        """How an error message names a value given as an argument."""
        flags = self.flags_for(command)
        return flags[-1] if origin is Source.COMMAND_LINE and flags else self.name


CHECKS = SCANNING  # the PQC and mTLS settings of a scan (secscan pqc / secscan mtls have their own flags)
_pqc, _mtls = {"pqc"}, {"mtls"}
_DOCTOR = SCANNING | {"doctor"}  # settings `secscan doctor` shares with the scans
_CONFIGURED = SCANNING | {"doctor", "pqc"}  # the commands that read [tool.secscan]
_WEAKENS, _CONTACTS = Trust.WEAKENS_GATE, Trust.CONTACTS
LEVELS = "|".join(FAIL_ON_CHOICES)
_HISTORY = frozenset({"all", "secrets", "baseline"})  # the scans that may read git history

OPTIONS: tuple[Option, ...] = (
    # what the commands that write reports take
    Option("formats", "comma list of json,md,html,sarif,gitlab (default: json,md,html,sarif)", v.formats,
           ("--format",), metavar="FORMATS", default=DEFAULT_FORMATS, commands=REPORTING, api=False),
    Option("output_dir", "where reports go (default: reports/)", v.unresolved, ("--output-dir",),
           metavar="DIR", commands=REPORTING, api=False),
    Option("fail_on", f"gate threshold: {LEVELS} (default: critical)", v.choice(*FAIL_ON_CHOICES),
           ("--fail-on",), metavar="LEVEL", key="fail_on", default="critical", commands=REPORTING,
           trust=_WEAKENS),
    Option("quiet", "no progress, only the verdict line", v.flag, ("-q", "--quiet"), "true", default=False,
           commands=REPORTING, dest="cli", api=False),
    # the scan
    Option("config", "configuration file (default: PATH/pyproject.toml [tool.secscan])", v.path,
           ("--config",), metavar="FILE", commands=SCANNING | {"doctor", "pqc"}, dest="cli",
           variants={"pqc": Variant(help="read [tool.secscan] from FILE instead of ./pyproject.toml")}),
    Option("scanners", "run only these (comma list); they are then required", v.only_scanners,
           ("--scanners",), metavar="NAMES", key="scanners", toml=list, commands=_DOCTOR,
           config_in=_DOCTOR, trust=_WEAKENS),
    Option("required", "scanners that must run: skipped or failed is an incomplete scan", v.scanner_names,
           key="require", toml=list, default=(), commands=_DOCTOR, config_in=_DOCTOR),
    Option("imports", "add an existing tool output (repeatable)", v.imports, ("--import",), "append",
           metavar="TOOL=FILE", default=()),
    Option("baseline", "only findings not in this baseline count", v.path, ("--baseline",), metavar="FILE",
           trust=_WEAKENS),
    Option("offline", "skip network-bound scanners (--no-offline overrides the configuration)", v.flag,
           ("--offline",), "toggle", key="offline", toml=bool, default=False, commands=_DOCTOR,
           config_in=_DOCTOR, trust=_WEAKENS),
    Option("allow_incomplete", "do not exit 3 on an incomplete scan", v.flag, ("--allow-incomplete",),
           "toggle", key="allow_incomplete", toml=bool, default=False, commands=SCANNING | {"merge"},
           trust=_WEAKENS),
    Option("jobs", "parallel scanners, 1 or more (default: one per scanner)", v.count, ("--jobs",),
           metavar="N", key="jobs", toml=int, default=0),
    Option("timeout", "seconds per scanner (default 900)", v.seconds, ("--timeout",), metavar="SECONDS",
           key="timeout", toml=(int, float), default=900.0, commands=SCANNING | {"doctor", "pqc", "mtls"},
           variants={"doctor": Variant(default=300.0, help="seconds per scanner check (default 300)"),
                     "pqc": Variant(default=PQC_TIMEOUT, help="for the child process that exercises oqs "
                                                            f"(default {PQC_TIMEOUT:g})"),
                     "mtls": Variant(default=MTLS_TIMEOUT,
                                     help=f"per-socket timeout (default {MTLS_TIMEOUT:g})")}, trust=_WEAKENS),
    Option("timeouts", "seconds per scanner, by name (over timeout)", v.scanner_seconds, key="timeouts",
           toml=dict, default={}, trust=_WEAKENS),
    Option("canary", "check that each scanner detects its canary (--no-canary skips it; the report says so)",
           v.flag, ("--canary",), "toggle", key="canary", toml=bool, default=True, trust=_WEAKENS),
    Option("changed_since", "only changes since REF count", v.text, ("--changed-since",), metavar="REF"),
    Option("history", "also scan the secrets of git history: every commit reachable, or RANGE", v.history,
           ("--history",), "optional", metavar="RANGE", key="history", toml=(bool, str), default=None,
           commands=_HISTORY, config_in=_HISTORY, dest="extra"),
    Option("cache_dir", "incremental cache folder", v.path, ("--cache-dir",), metavar="DIR"),
    Option("use_cache", "do not use the incremental cache", v.flag, ("--no-cache",), "false", default=True),
    Option("prefilter", "hand detect-secrets whole files (no candidate-line prefilter; same findings)",
           v.flag, ("--no-prefilter",), "false", dest="extra", api=False),
    Option("shard", "scan the I-th of N parts", v.shard, ("--shard",), metavar="I/N"),
    Option("osv_db", "offline advisories: OSV JSON/zip or PyPA YAML records (default offline: the "
           "`secscan db` database, when installed)", v.path, ("--osv-db",), metavar="DIR",
           key="osv_db", commands=_DOCTOR, config_in=_DOCTOR, trust=Trust.CHOOSES_TRUTH),
    Option("advisory_max_age_days", "an advisory database older than this many days makes the offline "
           "dependency audits partial (default 7)", v.count, ("--advisory-max-age-days",), metavar="DAYS",
           key="advisory_max_age_days", toml=int, commands=_DOCTOR, config_in=_DOCTOR, dest="extra",
           trust=Trust.WEAKENS_GATE, api=False),
    Option("images", "also scan image (repeatable)", v.names, ("--image",), "append", metavar="NAME",
           default=()),
    Option("no_containers", "skip container image scanning", v.flag, ("--no-containers",), "true",
           default=False),
    Option("git_ignore", "also scan what git ignores (local .env files, build output)", v.flag,
           ("--no-git-ignore",), "false", default=True),
    Option("staged", "scan the files git has staged (pre-commit)", v.flag, ("--staged",), "true",
           default=False, flag_in=frozenset({"secrets"})),
    Option("excludes", "glob of paths to leave out (repeatable)", v.names, ("--exclude",), "append",
           metavar="GLOB", key="exclude", toml=list, default=(), merge=True, trust=_WEAKENS),
    Option("severity_overrides", "rule -> severity", v.severities, key="severity", toml=dict, default={},
           trust=_WEAKENS),
    Option("ignores", "findings to leave out, each with a reason", v.entries, key="ignore", toml=list,
           default=(), trust=_WEAKENS),
    Option("suppressions", "accountable suppressions", v.entries, key="suppress", toml=list, default=(),
           trust=_WEAKENS),
    Option("require_pqc", "liboqs unavailable is a critical finding", v.flag, ("--require-pqc",), "toggle",
           key="require_pqc", toml=bool, default=False, commands=CHECKS | _pqc, config_in=CHECKS | _pqc,
           variants={"pqc": Variant(("--require",), help="liboqs unavailable is a critical finding (also "
                                                         "[tool.secscan] require_pqc)")}),
    Option("trust_tree_config", "apply the scanned tree's settings that run a program, open connections or "
           "choose the advisories (pqc_python, mtls_*, osv_db, paths outside the tree)", v.flag,
           ("--trust-tree-config",), "toggle", key="trust_tree_config", toml=bool, default=False,
           commands=_CONFIGURED, config_in=_CONFIGURED, trust=Trust.GRANTS_TRUST),
    Option("gate_tests", "SAST findings in test and example code count for the gate too (default: reported, "
           "not counted)", v.flag, ("--gate-tests",), "toggle", key="gate_tests", toml=bool, default=False,
           commands=SCANNING | {"import"}, trust=_WEAKENS),
    Option("strict", "ignore gate-weakening settings the change adds to the tree's [tool.secscan] (compared "
           "with --changed-since REF, a CI pull request's base, else HEAD)", v.flag, ("--strict",), "toggle",
           key="strict", toml=bool, default=False),
    Option("semgrep_rules", "semgrep rules folder (default: bundled)", v.resolved, ("--semgrep-rules",),
           metavar="DIR", commands=_DOCTOR, dest="extra", trust=Trust.CHOOSES_TRUTH),
    # the PQC and mTLS checks
    Option("pqc_python", "check the oqs module of this interpreter (the application's venv)", v.program,
           ("--pqc-python",), metavar="PATH", key="pqc_python", commands=CHECKS | _pqc, dest="extra",
           variants={"pqc": Variant(("--python",), help="check the oqs module this interpreter (or virtual "
                                                        "environment folder) imports")},
           trust=Trust.EXECUTES),
    Option("pqc_algs", "KEM to verify (repeatable; default ML-KEM-512/768/1024)", v.names, ("--pqc-alg",),
           "append", metavar="ALG", key="pqc_algs", toml=list, commands=CHECKS | _pqc, dest="extra",
           variants={"pqc": Variant(("--alg",), help="KEM to check (repeatable; default ML-KEM-512/768/1024; "
                                                     "any other KEM liboqs enables)")}),
    Option("mtls_target", "check this server's mTLS instead of the loopback self-test", v.text,
           ("--mtls-target",), metavar="HOST:PORT", key="mtls_target", commands=CHECKS | _mtls, dest="extra",
           variants={"mtls": Variant(("--target",), help="the mTLS server to check")}, trust=_CONTACTS),
    Option("mtls_ca", "CA that signs the server (PEM)", v.resolved, ("--mtls-ca",), metavar="CA.pem",
           key="mtls_ca", commands=CHECKS | _mtls, dest="extra", variants={"mtls": Variant(("--ca",))},
           trust=_CONTACTS),
    Option("mtls_cert", "client certificate (PEM)", v.resolved, ("--mtls-cert",), metavar="CLIENT.pem",
           key="mtls_cert", commands=CHECKS | _mtls, dest="extra", variants={"mtls": Variant(("--cert",))},
           trust=_CONTACTS),
    Option("mtls_key", "client key (PEM)", v.resolved, ("--mtls-key",), metavar="CLIENT.key",
           key="mtls_key", commands=CHECKS | _mtls, dest="extra", variants={"mtls": Variant(("--key",))},
           trust=_CONTACTS),
    Option("mtls_server_name", "name the server certificate must carry (default HOST)", v.text,
           ("--mtls-server-name",), metavar="NAME", key="mtls_server_name", commands=CHECKS | _mtls,
           dest="extra", variants={"mtls": Variant(("--server-name",))}, trust=_CONTACTS),
    Option("mtls_pq", "offer only the hybrid group X25519MLKEM768", v.flag, ("--mtls-pq",), "toggle",
           key="mtls_pq", toml=bool, commands=CHECKS | _mtls, dest="extra",
           variants={"mtls": Variant(("--pq",))}, trust=_CONTACTS),
    Option("mtls_require_pq", "a server that does not negotiate X25519MLKEM768 is a finding", v.flag,
           ("--mtls-require-pq",), "toggle", key="mtls_require_pq", toml=bool, commands=CHECKS | _mtls,
           dest="extra", variants={"mtls": Variant(("--require-pq",))}, trust=_CONTACTS),
)

BY_NAME: dict[str, Option] = {o.name: o for o in OPTIONS}
BY_KEY: dict[str, Option] = {o.key: o for o in OPTIONS if o.key is not None}
