"""Each scanner declares itself (ScannerInfo), and every table that lists scanners is derived from those
declarations: a registered scanner cannot be missing from doctor, staleness, GitLab, the cache or the
coverage check, and a new scanner registered in one place shows up everywhere."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

import pytest

from secscan.core.model import (
    Category,
    Finding,
    Gate,
    Location,
    Parsed,
    Result,
    ScannerResult,
    Severity,
    Status,
)
from secscan.formats import gitlab
from secscan.process.runner import Invocation, ProcResult, Runner
from secscan.results import staleness
from secscan.run import cached, doctor, execute
from secscan.scanners import registry
from secscan.scanners.interface import (
    ADVISORY_IDS,
    CachePolicy,
    CoverageKind,
    InProcessScanner,
    ScanContext,
    Scanner,
    ScannerInfo,
    Tool,
    ToolScanner,
)

NAMES = tuple(registry.SCANNERS)


def outcome(name: str, status: Status = Status.FAILED) -> ScannerResult:
    """A scanner's outcome as the engine makes it (its categories come from its declaration)."""
    return ScannerResult(name, status, reason="crashed", categories=execute.categories(registry.create(name)))


# ------------------------------------------------------------------ every registered scanner declares itself


@pytest.mark.parametrize("name", NAMES)
def test_every_scanner_declares_its_own_info(name: str) -> None:
    cls = registry.scanner_class(name)
    assert "info" in cls.__dict__, f"{cls.__name__} must declare `info = ScannerInfo(...)` itself"
    info = cls.info
    assert isinstance(info, ScannerInfo) and info.name == name == cls().name
    assert issubclass(cls, ToolScanner) != issubclass(cls, InProcessScanner), "exactly one kind of scanner"
    if issubclass(cls, ToolScanner):
        assert info.tool is not None and info.executable, f"{name}: a tool scanner names its executable"
        assert info.tool.bundled or info.tool.install, f"{name}: an external tool says how to install it"
    else:
        assert info.tool is None and info.executable is None
    assert info.rule_ids, f"{name}: declare the rule ids it reports (stale suppressions depend on them)"
    assert info.categories and info.category in info.categories


@pytest.mark.parametrize("name", NAMES)
def test_every_derived_table_has_every_scanner(name: str) -> None:
    info = registry.info(name)
    if info.executable is not None:
        assert doctor.executables()[name] == info.executable
    else:
        assert name not in doctor.executables()  # doctor says "built-in"
    assert set(info.config_files) <= set(doctor.copied_config())
    # a rule id each of its patterns accepts is attributed to it
    samples = {r"^B\d{3}$": "B602", r"^detect-secrets\.": "detect-secrets.AWSKeyDetector",
               r"^trivy\.": "trivy.aws-access-key-id", r"^secscan\.": "secscan.github-pat",
               r"^PQC-": "PQC-STUB", r"^mtls\.": "mtls.not-enforced", ADVISORY_IDS: "CVE-2021-23337",
                   r"^CKV2?_[A-Z0-9]+_\d+$": "CKV_K8S_16"}
    for pattern in info.rule_ids:
        assert pattern in samples, f"add a sample rule id for {pattern!r} here"
        assert name in staleness.producers(samples[pattern])
    kinds = gitlab.scanner_reports(outcome(name))
    assert kinds and kinds <= set(gitlab.FILES)
    assert kinds == {gitlab.REPORT_OF[c] for c in info.categories}
    assert info.cache in CachePolicy and info.coverage in CoverageKind
    assert name in registry.COMMANDS["all"]


def test_derived_tables_are_the_former_hand_written_ones() -> None:
    """The tables these declarations replaced, so that deriving them changed nothing."""
    assert doctor.executables() == {"bandit": "bandit", "semgrep": "semgrep", "pip-audit": "pip-audit",
                                    "npm-audit": "npm", "detect-secrets": "detect-secrets", "trivy": "trivy",
                                    "trivy-image": "trivy", "checkov": "checkov"}
    sast, deps, secret = gitlab.SAST, gitlab.DEPENDENCY_SCANNING, gitlab.SECRET_DETECTION
    assert {n: gitlab.scanner_reports(outcome(n)) for n in NAMES} == {
        "bandit": {sast}, "semgrep": {sast}, "pqc": {sast}, "mtls": {sast}, "pip-audit": {deps},
        "npm-audit": {deps}, "trivy": {deps, sast, secret}, "trivy-image": {deps},
        "detect-secrets": {secret}, "secscan-secrets": {secret}, "checkov": {sast},
        "secscan-history": {secret}, "notebooks": {sast, secret}}
    policies = {n: registry.info(n).cache for n in NAMES}
    assert {n for n, p in policies.items() if p is CachePolicy.PER_FILE} == {
        "bandit", "semgrep", "detect-secrets", "secscan-secrets"}
    assert {n for n, p in policies.items() if p in cached.WHOLE_TREE} == {"pip-audit", "npm-audit", "trivy",
                                                                          "checkov"}
    assert {n for n, p in policies.items() if p is CachePolicy.WHOLE_TREE_ALWAYS_EXPIRE} == {"trivy"}
    assert {n for n in NAMES if execute.counts_files(n)} == {"bandit", "semgrep"}
    assert staleness.dependency_tools() == {"pip-audit", "npm-audit", "trivy", "trivy-image"}
    assert {n for n in NAMES if registry.create(n).busy} == {"bandit", "semgrep", "detect-secrets", "trivy",
                                                             "checkov", "notebooks"}
    assert {n for n in NAMES if registry.create(n).needs_network} == {"pip-audit", "npm-audit"}
    assert set(doctor.copied_config()) >= {".bandit", "pyproject.toml", ".secrets.baseline", ".semgrepignore"}
    bundled = {n for n in NAMES if (t := registry.info(n).tool) is not None and t.bundled}
    assert bundled == {"bandit", "semgrep", "detect-secrets", "pip-audit", "checkov"}  # checkov: managed


def test_a_wrong_declaration_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(re.error):
        ScannerInfo("x", Category.SAST, rule_ids=("(unclosed",))
    with pytest.raises(ValueError, match="needs a name"):
        ScannerInfo("", Category.SAST)
    monkeypatch.setitem(registry.SCANNERS, "bandit-again", "secscan.scanners.bandit:BanditScanner")
    with pytest.raises(ValueError, match="declares the name 'bandit'"):
        registry.info("bandit-again")
    monkeypatch.setitem(registry.SCANNERS, "not-a-scanner", "secscan.scanners.registry:info")
    with pytest.raises(TypeError, match="is not a Scanner"):
        registry.scanner_class("not-a-scanner")


# ------------------------------------------------------------------ a new scanner, registered in one place

FAKE_OUTPUT = {"issues": [{"id": "FAKE-001", "file": "app.py", "line": 2, "text": "a fake problem"}]}


class FakeToolScanner(ToolScanner):
    """A scanner that exists only here: an external tool reporting secrets, rule ids FAKE-NNN."""

    info = ScannerInfo("fake-tool", Category.SECRET, Tool("fake-tool", install="see test_scanner_meta.py"),
                       config_files=(".fake-tool.toml",), cache=CachePolicy.PER_FILE,
                       coverage=CoverageKind.FILES_SCANNED, rule_ids=(r"^FAKE-\d{3}$",))

    def applies(self, ctx: ScanContext, files: Sequence[str]) -> str | None:
        return None if files else "no files"

    def invocations(self, ctx: ScanContext, files: Sequence[str],
                    canary_files: Sequence[Path]) -> list[Invocation]:
        return [Invocation(("fake-tool", *files), ctx.target, ctx.timeout)]

    def parse(self, ctx: ScanContext, results: Sequence[ProcResult]) -> Parsed:
        data = json.loads(results[0].stdout)
        findings = tuple(Finding(rule_id=i["id"], title=i["text"], message=i["text"], severity=Severity.HIGH,
                                 raw_severity="high", category=Category.SECRET, sources=(self.name,),
                                 location=Location(i["file"], i["line"], i["line"]))
                         for i in data["issues"])
        return Parsed(self.name, findings, coverage={"files_scanned": len(data["issues"])})


@pytest.fixture
def fake_registered(monkeypatch: pytest.MonkeyPatch) -> str:
    """FakeToolScanner registered by its one registry line."""
    monkeypatch.setitem(registry.SCANNERS, "fake-tool", f"{__name__}:FakeToolScanner")
    return "fake-tool"


def _result(*scanners: ScannerResult) -> Result:
    return Result(target="t", started_at="2026-01-01T00:00:00+00:00", duration_s=1.0, scanners=scanners,
                  findings=(), gate=Gate("high", False, 3, incomplete=True))


def test_a_new_scanner_shows_up_everywhere(fake_registered: str) -> None:
    name = fake_registered
    assert doctor.executables()[name] == "fake-tool"
    assert ".fake-tool.toml" in doctor.copied_config()
    assert staleness.producers("FAKE-001") == {name}
    assert name in staleness.producers("never-seen-rule")  # unknown ids: every scanner
    assert name not in staleness.dependency_tools()
    failed = outcome(name)
    assert gitlab.scanner_reports(failed) == {gitlab.SECRET_DETECTION}
    sast = gitlab.scan(_result(failed), gitlab.SAST)["messages"]
    secrets = gitlab.scan(_result(failed), gitlab.SECRET_DETECTION)["messages"]
    assert {"level": "warn", "value": "fake-tool failed: crashed"} in sast
    assert {"level": "fatal", "value": "fake-tool failed: crashed"} in secrets
    assert execute.counts_files(name)
    scanner = registry.create(name)
    assert isinstance(scanner, FakeToolScanner) and scanner.per_file and scanner.category is Category.SECRET


def test_a_new_scanner_runs_through_the_engine(fake_registered: str, fake_bin, tmp_path: Path) -> None:
    """Planned, run with its executable found and recorded, its findings reported; missing, it fails."""
    from secscan.core.options import ScanOptions
    from secscan.run.engine import scan

    fake_bin("fake-tool", f"echo '{json.dumps(FAKE_OUTPUT)}'\n")
    target = tmp_path / "t"
    target.mkdir()
    (target / "app.py").write_text("x = 1\npassword = 'x'\n", "utf-8")
    opts = ScanOptions(target=target, scanners=(fake_registered,), use_cache=False, canary=False)
    result = scan(opts)
    (s,) = result.scanners
    assert s.name == fake_registered and s.status is Status.OK, s
    assert s.executable == str(tmp_path / "fake-bin" / "fake-tool")
    assert s.categories == (Category.SECRET,) and gitlab.scanner_reports(s) == {gitlab.SECRET_DETECTION}
    assert [f.rule_id for f in result.findings] == ["FAKE-001"]
    empty = tmp_path / "empty"
    empty.mkdir()
    result = scan(opts, runner=Runner(env={"PATH": str(empty)}, tool_dirs=[empty]))
    (s,) = result.scanners
    assert s.status is Status.FAILED and s.required and "install fake-tool" in (s.reason or "")
    assert result.gate.exit_code == 3


def test_scanner_kinds_share_one_base() -> None:
    assert issubclass(ToolScanner, Scanner) and issubclass(InProcessScanner, Scanner)
    with pytest.raises(TypeError):
        ToolScanner()  # type: ignore[abstract]
