"""The detect-secrets prefilter (issue 24): conditions derived from the installed plugins, and identical
findings (file, line, type, hashed secret) with and without it, by the real detect-secrets.

The fake secrets are generated here by code (random tokens of each provider's shape), never real ones.
"""

from __future__ import annotations

import json
import os
import random
import re
import string
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from secscan.core.model import Finding
from secscan.process.runner import Runner
from secscan.scanners.detect_secrets import DetectSecretsScanner, prefilter_salt
from secscan.scanners.detect_secrets_prefilter import KNOWN_VERSIONS, Unavailable, derive
from secscan.scanners.detect_secrets_stage import FILTERED, NOT_UTF8, TRANSFORMED, prepare, stage
from secscan.scanners.interface import ScanContext

ROOT = Path(__file__).resolve().parents[2]
Found = set[tuple[str, int, str, str]]


def token(rng: random.Random, n: int, chars: str = string.ascii_letters + string.digits) -> str:
    return "".join(rng.choice(chars) for _ in range(n))


def scan_inprocess(root: Path, names: list[str], origin: dict[str, tuple[int, ...]] | None = None) -> Found:
    """detect-secrets' own scan_file on each file, default plugins and filters; every occurrence
    (file, line, type, hashed secret), lines mapped through ``origin`` when given."""
    from detect_secrets.core.scan import scan_file
    from detect_secrets.settings import default_settings

    found: Found = set()
    with default_settings():
        for name in names:
            for secret in scan_file(str(root / name)):
                line = secret.line_number
                if origin is not None and name in origin:
                    line = origin[name][line - 1]
                found.add((name, line, secret.type, secret.secret_hash))
    return found


def differential(tree: Path, names: list[str], tmp: Path) -> tuple[Found, Found]:
    """Findings on the real files and on the prefiltered copies (in process)."""
    stats = stage(tree, names, tmp / "copies", derive(None))
    return scan_inprocess(tree, names), scan_inprocess(tmp / "copies", names, stats.origin)


Key = tuple[str, int | None, str, str | None]


def scanner_findings(tree: Path, prefilter: bool) -> tuple[set[Key], dict]:
    """The real scanner (the detect-secrets command line secscan runs) on every file of the tree."""
    names = sorted(str(p.relative_to(tree)) for p in tree.rglob("*") if p.is_file() and not p.is_symlink())
    ctx = ScanContext(tree, options={} if prefilter else {"prefilter": False})
    out = DetectSecretsScanner().execute(ctx, names, [], Runner())
    assert out.parsed.status.value == "ok", out.parsed.reason
    return {_key(f) for f in out.parsed.findings}, dict(out.parsed.evidence or {})


def _key(f: Finding) -> Key:
    assert f.location is not None
    return f.location.path, f.location.start_line, f.rule_id, f.secret_hash


# -- the conditions come from the installed detect-secrets --------------------------------------------------


def test_conditions_are_the_installed_plugins_own() -> None:
    from detect_secrets.plugins.base import RegexBasedDetector
    from detect_secrets.settings import default_settings, get_plugins

    cond = derive(None)
    with default_settings():
        plugins = list(get_plugins())
    denylists = {r for p in plugins if isinstance(p, RegexBasedDetector) for r in p.denylist}
    assert denylists <= set(cond.regexes)
    assert sorted(t.limit for t in cond.entropy) == [3.0, 4.5]
    assert cond.context == 5 and cond.gate is not None and cond.gated
    assert len(cond.plugins) == len(plugins)


def test_baseline_settings_change_the_conditions() -> None:
    cond = derive({"plugins_used": [{"name": "Base64HighEntropyString", "limit": 2.0},
                                    {"name": "AWSKeyDetector"}]})
    assert [t.limit for t in cond.entropy] == [2.0] and cond.gate is None
    assert cond.entropy[0].min_length() == 4  # entropy <= log2(length): 2 bits need more than 4 characters
    assert cond.is_candidate("x = 'ab1Z'") is False and cond.is_candidate("x = 'abcde'") is True
    assert cond.is_candidate("password = 'aaaaaaaaaaaa'") is False  # no keyword plugin configured


def test_unknown_version_plugin_or_filter_turns_it_off(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(Unavailable, match="custom plugin"):
        derive({"plugins_used": [{"name": "Mine", "path": "file://x.py"}]})
    with pytest.raises(Unavailable, match="custom filter"):
        derive({"plugins_used": [], "filters_used": [{"path": "file://f.py::f"}]})
    monkeypatch.setattr("secscan.scanners.detect_secrets_prefilter.KNOWN_VERSIONS", frozenset({"0.0"}))
    with pytest.raises(Unavailable, match="not a version the prefilter knows"):
        derive(None)
    assert KNOWN_VERSIONS  # the real table is untouched


def test_lines_and_reasons_of_one_file() -> None:
    rng = random.Random(7)
    cond = derive(None)
    lines = [f"a{i} = {i}" for i in range(40)]
    lines[20] = f'password = "{token(rng, 14)}"'
    got = prepare(("\r\n".join(lines) + "\r\n").encode(), "m.py", cond)
    assert got.how == FILTERED and got.lines == 40
    assert got.origin == tuple(range(16, 27))  # the candidate (line 21) and 5 context lines each side
    assert got.content.decode().splitlines()[5] == lines[20]
    assert prepare(b"x = '\xff'\n", "m.py", cond).how == NOT_UTF8
    assert prepare(b"[db]\npassword = hunter2\n", "settings.cfg", cond).how == TRANSFORMED
    assert prepare(b"a: 1\nb: two\n", "c.yaml", cond).how == TRANSFORMED


def test_the_cache_salt_says_whether_and_which_prefilter(tmp_path: Path) -> None:
    on = prefilter_salt(ScanContext(tmp_path))
    off = prefilter_salt(ScanContext(tmp_path, options={"prefilter": False}))
    assert on != off and "prefilter 1" in on and "off" in off
    scanner = DetectSecretsScanner()
    assert scanner.cache_salt(ScanContext(tmp_path)) != scanner.cache_salt(
        ScanContext(tmp_path, options={"prefilter": False}))


# -- identical findings ------------------------------------------------------------------------------------


def transform_tree(root: Path) -> list[str]:
    """A file of every extension detect-secrets gives a type (each transformer's and the keyword plugin's
    file types) and a few it does not, each with secrets, near-misses, pragmas and mixed line breaks."""
    from detect_secrets.util.filetype import determine_file_type

    code = determine_file_type.__code__
    consts = [c for k in code.co_consts for c in (k if isinstance(k, tuple) else (k,))]
    known = sorted({c for c in consts if isinstance(c, str) and c[:1] == "."})
    assert ".yaml" in known and ".ini" in known and ".py" in known
    rng = random.Random(24)
    names = []
    for ext in [*known, ".env", ".txt", ".json", ".md", ""]:
        name = f"sample{ext}" if ext else "Dockerfile"
        names.append(name)
        body = [f"# {name}", "[section]", f"plain = {token(rng, 30)}", f'quoted = "{token(rng, 30)}"',
                "    continued value", f"password: {token(rng, 12)}", f"api_key = '{token(rng, 16)}'",
                "# pragma: allowlist nextline secret", f'secret = "{token(rng, 20)}"',
                f"aws = AKIA{token(rng, 16, string.ascii_uppercase + string.digits)}",
                "nothing here at all", f"- item: {token(rng, 40, string.hexdigits)}",
                f'x = "{token(rng, 25)}"  # pragma: allowlist secret', "", "trailing   "]
        body += [f"filler line {i} with words" for i in range(30)]
        body.insert(rng.randrange(len(body)), f'db_pass => "{token(rng, 18)}"')
        sep = rng.choice(["\n", "\r\n", "\r"])
        (root / name).write_bytes(sep.join(body).encode())
    return names


def test_identical_on_every_file_type_detect_secrets_transforms(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    names = transform_tree(tree)
    full, pre = differential(tree, names, tmp_path)
    assert full and pre == full
    with_cli, evidence = scanner_findings(tree, prefilter=True)
    without, off = scanner_findings(tree, prefilter=False)
    assert with_cli and with_cli == without
    assert str(evidence["prefilter"]).startswith("on") and off["prefilter"] == "off: --no-prefilter"


def test_identical_on_secscans_own_tree(tmp_path: Path) -> None:
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    names = [n for n in tracked.decode().split("\0")
             if n and (ROOT / n).is_file() and not (ROOT / n).is_symlink()]
    full, pre = differential(ROOT, names, tmp_path)
    assert full and pre == full


def test_a_mismatching_tool_report_reruns_on_whole_files(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(3)
    (tmp_path / "a.py").write_text(f'password = "{token(rng, 14)}"\n', "utf-8")
    import secscan.scanners.detect_secrets as module

    real = module.derive

    def wrong(baseline: dict | None) -> object:
        cond = real(baseline)
        cond.version = "0.0"  # as if another detect-secrets answered
        return cond

    monkeypatch.setattr(module, "derive", wrong)
    out = DetectSecretsScanner().execute(ScanContext(tmp_path), ["a.py"], [], Runner())
    assert "ran again on whole files" in (out.parsed.evidence or {})["prefilter"]
    assert [f.location.start_line for f in out.parsed.findings if f.location] == [1]
    assert json.dumps(out.parsed.evidence)  # evidence stays JSON


# -- differential fuzz ---------------------------------------------------------------------------------------

EXTENSIONS = (".py", ".yaml", ".yml", ".ini", ".cfg", ".conf", ".properties", ".toml", ".env", "", ".txt",
              ".js", ".go", ".java", ".json", ".md", ".c", ".cpp", ".cs", ".tf", ".swift", ".php", ".m",
              ".cls", ".example", ".lock", ".png")
KEYWORDS = ("password", "PASSWORD", "api_key", "apikey", "secret", "pwd", "passwd", "db_pass", "private_key",
            "contrase\u00f1a", "pa\u017f\u017fword", "my_secret_value", "auth_key", "token")
# characters Python's Unicode classes or case folding treat unlike ASCII (long s, Kelvin sign, dotless i...)
ODD = "\t\x0b\x0c\x1c\x85\u2028\u017f\u212a\u0130\u0131 \u00e9\u20ac\U0001f600\x00"


def _fuzz_line(draw: st.DrawFn) -> str:
    b64 = string.ascii_letters + string.digits + "+/=-_"
    value = draw(st.one_of(st.text(b64, max_size=60), st.text(string.hexdigits, max_size=50),
                           st.text(string.printable + ODD, max_size=40)))
    quote = draw(st.sampled_from(['"', "'", "`", ""]))
    kind = draw(st.integers(0, 11))
    if kind == 0:
        sep = draw(st.sampled_from([" = ", ": ", ":=", " => ", " == ", "(", " ", "=", " !== ", ": @"]))
        end = draw(st.sampled_from(["", ";", ","]))
        return f"{draw(st.sampled_from(KEYWORDS))}{sep}{quote}{value}{quote}{end}"
    if kind == 1:
        return f"x = {quote}{value}{quote}"
    if kind == 2:  # provider shapes
        return draw(st.sampled_from([
            "AKIA" + value.upper()[:16], "ghp_" + value[:36], "xoxb-" + value[:40], "sk_live_" + value[:24],
            "-----BEGIN RSA PRIVATE KEY-----", "eyJ" + value + ".eyJ" + value + "." + value,
            f"https://user:{value[:12]}@host.example", "8.8.4.4:8080", "npm_" + value[:36]]))
    if kind == 3:
        return draw(st.sampled_from(["# pragma: allowlist nextline secret", "// pragma: allowlist secret",
                                     f'k = "{value}"  # pragma: allowlist secret']))
    if kind == 4:  # YAML and INI structure
        return draw(st.sampled_from([f"{value}:", f"  key: {value}", f"- {quote}{value}{quote}", "[section]",
                                     f"[{value}]", f"    {value}", "---", f"k = {value}", "k: |", "#"]))
    if kind == 5:
        return value * draw(st.integers(1, 30))  # long lines
    if kind == 6:
        return ""
    return draw(st.text(string.printable + ODD, max_size=80))


@st.composite
def fuzz_files(draw: st.DrawFn) -> list[tuple[str, bytes]]:
    files = []
    for i in range(draw(st.integers(1, 4))):
        lines = draw(st.lists(st.composite(lambda d: _fuzz_line(d))(), max_size=40))
        sep = draw(st.sampled_from(["\n", "\r\n", "\r"]))
        data = sep.join(lines).encode("utf-8", "surrogatepass")
        if draw(st.booleans()) and draw(st.booleans()):
            at = draw(st.integers(0, len(data)))
            data = data[:at] + draw(st.sampled_from([b"\xff", b"\xc3", b"\xfe\xff"])) + data[at:]
        files.append((f"f{i}{draw(st.sampled_from(EXTENSIONS))}", data))
    return files


@settings(max_examples=int(os.environ.get("SECSCAN_FUZZ_EXAMPLES", "40")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(files=fuzz_files())
def test_fuzz_identical_findings(files: list[tuple[str, bytes]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "tree"
        tree.mkdir()
        for name, data in files:
            (tree / name).write_bytes(data)
        names = [name for name, _ in files]
        full, pre = differential(tree, names, Path(tmp))
        assert pre == full


# -- the scheduled comparison job -------------------------------------------------------------------------


def test_the_scheduled_ci_template_compares_both_modes() -> None:
    import yaml

    path = ROOT / "scripts" / "ci" / "github-actions-prefilter-check.yml"
    text = path.read_text("utf-8")
    doc = yaml.safe_load(text)
    assert "schedule" in doc[True] and text.lstrip().startswith("#")  # YAML reads the key `on` as True
    shell = "\n".join(str(s.get("run", "")) for s in doc["jobs"]["prefilter-check"]["steps"])
    assert "--no-prefilter" in shell and '"prefilter", "whole"' not in shell
    helptext = subprocess.run([sys.executable, "-m", "secscan", "all", "--help"], capture_output=True,
                              text=True, check=True).stdout
    for flag in set(re.findall(r"(--[a-z-]+)", shell.split("Compare the findings")[0])):
        assert flag in helptext, flag


# -- the secret-results cache ----------------------------------------------------------------------


def _cli(tree: Path, out: Path, cache: Path, *extra: str) -> tuple[set[Key], dict]:
    from secscan.cli.main import main

    main(["all", str(tree), "--scanners", "detect-secrets", "--offline", "--format", "json", "--quiet",
          "--cache-dir", str(cache), "--output-dir", str(out), *extra])
    doc = json.loads((out / "secscan.json").read_text("utf-8"))
    found = {(f["location"]["path"], f["location"]["start_line"], f["rule_id"], f["secret"]["hash"])
             for f in doc["findings"] if "detect-secrets" in f["sources"]}
    return found, next(s for s in doc["scanners"] if s["name"] == "detect-secrets")


def test_cached_results_stay_correct_and_are_kept_apart(tmp_path: Path) -> None:
    rng = random.Random(11)
    tree = tmp_path / "tree"
    tree.mkdir()
    lines = [f"v{i} = {i}" for i in range(60)]
    lines[30] = f'password = "{token(rng, 14)}"'
    (tree / "a.py").write_text("\n".join(lines) + "\n", "utf-8")
    (tree / "b.py").write_text(f'x = "{token(rng, 40)}"\n', "utf-8")
    cache = tmp_path / "cache"
    cold, cold_status = _cli(tree, tmp_path / "1", cache)
    assert {(p, line) for p, line, _, _ in cold} == {("a.py", 31), ("b.py", 1)}
    assert str(cold_status["evidence"]["prefilter"]).startswith("on")
    warm, warm_status = _cli(tree, tmp_path / "2", cache)
    assert warm == cold and warm_status["coverage"]["files_from_cache"] == 2
    whole, whole_status = _cli(tree, tmp_path / "3", cache, "--no-prefilter")
    assert whole == cold and whole_status["coverage"].get("files_from_cache", 0) == 0  # another cache scope
    lines.insert(0, "# one more line")
    (tree / "a.py").write_text("\n".join(lines) + "\n", "utf-8")
    edited, edited_status = _cli(tree, tmp_path / "4", cache)
    assert ("a.py", 32) in {(p, line) for p, line, _, _ in edited}
    assert edited_status["coverage"]["files_from_cache"] == 1  # b.py


_COND = derive(None)


@settings(max_examples=int(os.environ.get("SECSCAN_FUZZ_EXAMPLES", "40")) * 10, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(lines=st.lists(st.composite(lambda d: _fuzz_line(d))(), max_size=30))
def test_hyperscan_narrowing_never_loses_a_candidate(lines: list[str]) -> None:
    """The Hyperscan pass only picks lines for the exact test: same candidates as testing every line."""
    lines = [line.rstrip() for text in lines for line in re.split(r"\r\n|\r|\n", text)]
    assert _COND.engine == "hyperscan"
    assert _COND.candidates(lines) == [i for i, line in enumerate(lines) if _COND.is_candidate(line)]
