"""One declaration per option (secscan.config.declare.OPTIONS): the command line, the [tool.secscan] schema
and secscan.scan()'s keywords are derived from it; every bad value is a one-line usage error (exit 2 on the
command line, UsageError from the API); every setting records where it came from."""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import json
import random
from pathlib import Path
from typing import Any

import pytest
from token_checksums import crc_token

import secscan
from secscan.cli.main import build_parser, main
from secscan.config import load as config
from secscan.config.build import build_options
from secscan.config.declare import BY_KEY, COMMANDS, MTLS_TIMEOUT, OPTIONS, REPORTING
from secscan.core.errors import UsageError
from secscan.core.options import ScanOptions, Source

# A valid [tool.secscan] value for every key (a key added to the table without one here fails the test).
VALID: dict[str, str] = {
    "fail_on": '"high"', "scanners": '["bandit"]', "require": '["bandit"]', "exclude": '["vendor/*"]',
    "severity": '{ B101 = "info" }', "ignore": '[{ rule = "B404", reason = "fine" }]',
    "suppress": '[{ rule = "B602", reason = "fixed list" }]', "timeout": "60", "timeouts": "{ bandit = 5 }",
    "offline": "true", "require_pqc": "true", "osv_db": '"."', "allow_incomplete": "true", "canary": "false",
    "jobs": "2", "pqc_python": '"venv/bin/python"', "pqc_algs": '["ML-KEM-768"]', "mtls_target": '"h:1"',
    "mtls_ca": '"ca.pem"', "mtls_cert": '"c.pem"', "mtls_key": '"c.key"', "mtls_server_name": '"h"',
    "mtls_pq": "true", "mtls_require_pq": "false", "trust_tree_config": "true", "strict": "true",
    "history": "true",
    "advisory_max_age_days": "30", "gate_tests": "true",
}
WRONG_TYPE = {bool: '"yes"', str: "1", list: '"x"', dict: '"x"', int: "1.5"}


def subparser(command: str) -> argparse.ArgumentParser:
    parser = build_parser(command)
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    found: argparse.ArgumentParser = sub.choices[command]
    return found


def test_every_flag_of_the_table_is_on_its_commands_command_line() -> None:
    for command in sorted(COMMANDS):
        strings = set(subparser(command)._option_string_actions)
        for opt in OPTIONS:
            for flag in opt.flags_for(command):
                assert flag in strings, (command, opt.name, flag)
                assert subparser(command)._option_string_actions[flag].dest == opt.name


def test_quiet_on_every_command_that_writes_reports() -> None:
    for command in sorted(REPORTING):
        assert "-q" in subparser(command)._option_string_actions, command


def test_every_config_key_is_accepted_and_type_checked(tmp_path: Path) -> None:
    assert set(VALID) == set(BY_KEY) == set(config.KEYS)
    for key, text in VALID.items():
        (tmp_path / "pyproject.toml").write_text(f"[tool.secscan]\n{key} = {text}\n", "utf-8")
        assert key in config.load(tmp_path).values, key
        want = BY_KEY[key].toml
        kind = want if isinstance(want, type) else str if str in want else float  # (bool, str): history
        wrong = WRONG_TYPE.get(kind, '"x"')
        (tmp_path / "pyproject.toml").write_text(f"[tool.secscan]\n{key} = {wrong}\n", "utf-8")
        with pytest.raises(UsageError, match=f": {key} must be"):
            config.load(tmp_path)


def test_scan_keywords_are_the_tables_options() -> None:
    params = inspect.signature(secscan.scan).parameters
    assert list(params)[:3] == ["path", "command", "config"]
    table = {o.name for o in OPTIONS if o.api}
    assert set(params) == table | {"path", "command"}
    for name in table - {"config"}:
        assert params[name].kind is inspect.Parameter.KEYWORD_ONLY and params[name].default is None, name


def test_options_are_frozen(tmp_path: Path) -> None:
    opts = build_options(tmp_path)
    with pytest.raises(dataclasses.FrozenInstanceError):
        opts.offline = True  # type: ignore[misc]
    assert isinstance(opts, ScanOptions) and dict(opts.timeouts) == {} and opts.formats[0] == "json"


def test_mtls_default_timeout_matches_the_check() -> None:
    from secscan.analyzers.mtls.check import DEFAULT_TIMEOUT

    assert MTLS_TIMEOUT == DEFAULT_TIMEOUT


BAD_FLAGS = [
    (["--timeout", "0"], "--timeout must be positive"),
    (["--timeout", "-5"], "--timeout must be positive"),
    (["--timeout", "nan"], "--timeout must be positive"),
    (["--timeout", "soon"], "--timeout must be a positive number"),
    (["--jobs", "0"], "--jobs must be 1 or more"),
    (["--jobs", "two"], "--jobs must be a whole number"),
    (["--shard", "0/2"], "--shard must be I/N with 1 <= I <= N"),
    (["--shard", "half"], "--shard must look like I/N"),
    (["--fail-on", "bogus"], "--fail-on must be one of critical"),
    (["--scanners", "nessus"], "--scanners names unknown scanner(s) nessus"),
    (["--format", "pdf"], "--format: unknown format(s) pdf"),
    (["--import", "bandit"], "--import needs TOOL=FILE"),
    (["--osv-db", "nowhere"], "--osv-db nowhere: not a folder"),
    (["--baseline", "nothing.json"], "--baseline nothing.json: no such file"),
]


@pytest.mark.parametrize(("argv", "message"), BAD_FLAGS)
def test_bad_values_on_the_command_line_are_exit_2_with_one_line(
        tmp_path: Path, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["all", str(tmp_path), "--scanners", "pqc,mtls", "--quiet", "--output-dir", str(out),
                 *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("secscan: error: ") and message in err, err
    assert not out.exists()  # nothing ran: no false PQC-BROKEN or mTLS finding from a -5 s timeout


@pytest.mark.parametrize("argv", [
    ["doctor", "{tmp}", "--timeout", "0"], ["doctor", "{tmp}", "--osv-db", "{tmp}/none"],
    ["secrets", "{tmp}", "--staged", "--timeout", "-1"], ["container", "img", "--jobs", "0"],
    ["baseline", "create", "{tmp}", "--timeout", "-5"], ["import", "bandit", "x.json", "--fail-on", "bogus"],
    ["report", "x.json", "--format", "pdf"], ["merge", "x.json", "--fail-on", "severe"],
    ["pqc", "--timeout", "-5"], ["mtls", "--self-test", "--timeout", "0"], ["all", "{tmp}", "--jobs"],
    ["all", "{tmp}/a.py"], ["sast", "{tmp}/a.py"],
])
def test_every_command_refuses_bad_values_with_exit_2(tmp_path: Path, argv: list[str],
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.py").write_text("x = 1\n", "utf-8")
    assert main([a.replace("{tmp}", str(tmp_path)) for a in argv]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err


def test_a_file_is_not_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.py").write_text("x = 1\n", "utf-8")
    assert main(["all", str(tmp_path / "a.py"), "--quiet"]) == 2
    assert "not a folder (to scan single files: secscan secrets FILE...)" in capsys.readouterr().err
    with pytest.raises(UsageError, match="not a folder"):
        secscan.scan(tmp_path / "a.py")


def test_import_takes_q(samples: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    code = main(["import", "-q", "bandit", str(samples / "bandit" / "defectdojo__many_vulns.json"),
                 "--output-dir", str(out), "--format", "json"])
    assert code in (0, 1) and json.loads((out / "secscan.json").read_text("utf-8"))["findings"]
    assert "secscan:" in capsys.readouterr().out


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"fail_on": "bogus"}, "fail_on must be one of"),
    ({"timeout": 0}, "timeout must be positive"),
    ({"timeout": -5}, "timeout must be positive"),
    ({"timeout": True}, "timeout must be a number"),
    ({"jobs": 0}, "jobs must be 1 or more"),
    ({"jobs": 1.5}, "jobs must be a whole number"),
    ({"shard": "0/2"}, "shard must be I/N"),
    ({"shard": (3, 2)}, "shard must be I/N"),
    ({"offline": "yes"}, "offline must be true or false"),
    ({"scanners": ["nessus"]}, "unknown scanner"),
    ({"excludes": [""]}, "excludes must be a list of non-empty strings"),
    ({"timeouts": {"bandit": -1}}, "timeouts.bandit must be a positive number"),
    ({"severity_overrides": {"B101": "urgent"}}, "severity_overrides.B101 must be one of"),
    ({"ignores": [{"rule": "B101"}]}, "has no reason"),
    ({"imports": ["nessus=x.json"]}, "unknown tool 'nessus'"),
    ({"osv_db": "nowhere"}, "osv_db nowhere: not a folder"),
    ({"mtls_target": "h:1"}, "--mtls-target needs"),
    ({"command": "pqc"}, "command must be one of"),
])
def test_bad_values_in_the_api_raise_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 kwargs: dict[str, Any], message: str) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UsageError) as info:
        secscan.scan(tmp_path, **kwargs)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_the_api_path_is_a_path_never_an_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UsageError, match="-weird: no such file or folder"):
        secscan.scan("-weird")
    (tmp_path / "--offline").mkdir()
    (tmp_path / "--offline" / "app.py").write_text(f'token = "{crc_token("ghp_", random.Random(187))}"\n')
    report = secscan.scan("--offline", scanners="secscan-secrets", use_cache=False)
    assert Path(report.result.target).name == "--offline"
    assert [s.status.value for s in report.scanners] == ["ok"] and report.findings


def write_config(folder: Path, text: str) -> Path:
    path = folder / "pyproject.toml"
    path.write_text("[tool.secscan]\n" + text, "utf-8")
    return path


def test_arguments_win_and_sources_are_recorded(tmp_path: Path) -> None:
    write_config(tmp_path, 'offline = true\ntimeout = 60\ntimeouts = { bandit = 5 }\nexclude = ["a/*"]\n')
    opts = build_options(tmp_path, offline=False, excludes=["b/*"], fail_on="high")
    assert not opts.offline and opts.fail_on == "high" and opts.timeout == 60
    assert opts.excludes == ("a/*", "b/*")
    assert opts.sources["offline"] == (Source.API,) and opts.source("timeout") is Source.TREE
    assert opts.sources["excludes"] == (Source.TREE, Source.API) and opts.source("jobs") is Source.DEFAULT
    assert opts.timeouts == {"bandit": 5.0} and opts.source("timeouts") is Source.TREE
    cli = build_options(tmp_path, origin=Source.COMMAND_LINE, timeout="30")
    assert cli.timeout == 30.0 and dict(cli.timeouts) == {}  # --timeout wins over the per-scanner table too
    assert cli.source("timeout") is Source.COMMAND_LINE and cli.source("timeouts") is Source.COMMAND_LINE
    (tmp_path / "ci").mkdir()
    other = write_config(tmp_path / "ci", "jobs = 3\n")
    chosen = build_options(tmp_path, config_file=other)
    assert chosen.jobs == 3 and chosen.source("jobs") is Source.CONFIG_FILE
    assert chosen.source("offline") is Source.DEFAULT  # the tree's pyproject.toml is not read then


def test_check_settings_reach_the_scanners_context(tmp_path: Path) -> None:
    for name in ("ca.pem", "c.pem", "c.key"):
        (tmp_path / name).write_text("x", "utf-8")
    write_config(tmp_path, 'mtls_target = "h:1"\nmtls_ca = "ca.pem"\nmtls_cert = "c.pem"\n'
                           'mtls_key = "c.key"\npqc_algs = ["ML-KEM-768"]\npqc_python = "venv/bin/python"\n')
    opts = build_options(tmp_path, mtls_pq=True, semgrep_rules=tmp_path, trust_tree_config=True)
    assert opts.extra == {
        "mtls_target": "h:1", "mtls_ca": str(tmp_path.resolve() / "ca.pem"),
        "mtls_cert": str(tmp_path.resolve() / "c.pem"), "mtls_key": str(tmp_path.resolve() / "c.key"),
        "pqc_algs": ["ML-KEM-768"], "pqc_python": str(tmp_path / "venv" / "bin" / "python"), "mtls_pq": True,
        "semgrep_rules": str(tmp_path.resolve())}
    assert opts.source("mtls_target") is Source.TREE and opts.source("mtls_pq") is Source.API


def test_unknown_options_are_type_errors(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="unknown option"):
        build_options(tmp_path, colour="red")
    with pytest.raises(UsageError, match="does not take staged"):
        build_options(tmp_path, command="import", staged=True)


def test_command_line_flags_win_and_are_recorded(tmp_path: Path) -> None:
    from secscan.cli.options import options_from

    write_config(tmp_path, "offline = true\ncanary = false\n")
    args = subparser("all").parse_args([str(tmp_path), "--no-offline", "--jobs", "2", "-q"])
    opts = options_from(args, "all", tmp_path)
    assert (opts.offline, opts.jobs, opts.canary) == (False, 2, False) and args.quiet
    assert opts.source("offline") is Source.COMMAND_LINE and opts.source("canary") is Source.TREE
    assert opts.source("jobs") is Source.COMMAND_LINE and opts.source("fail_on") is Source.DEFAULT
    again = options_from(subparser("all").parse_args([str(tmp_path), "--canary"]), "all", tmp_path)
    assert again.canary and again.source("canary") is Source.COMMAND_LINE  # --canary overrides canary = false
