"""Severity order, statuses, the gate's exit codes, merging and fingerprints."""

from __future__ import annotations

import pytest

from secscan.core.model import Category, Finding, Location, Package, ScannerResult, Severity, Status
from secscan.results import fingerprint
from secscan.results.dedup import merge
from secscan.results.gate import evaluate


def mk(
    rule: str = "R1",
    sev: Severity = Severity.HIGH,
    path: str = "a.py",
    line: int | None = 3,
    source: str = "bandit",
    category: Category = Category.SAST,
    **kw: object,
) -> Finding:
    return Finding(
        rule_id=rule,
        title=rule,
        message="m",
        severity=sev,
        raw_severity=sev.name,
        category=category,
        sources=(source,),
        location=Location(path, line, line) if path else None,
        **kw,
    )  # type: ignore[arg-type]


def test_severity_is_ordered() -> None:
    assert Severity.INFO < Severity.LOW < Severity.MEDIUM < Severity.HIGH < Severity.CRITICAL
    assert [Severity.from_label(w) for w in ("info", "low", "medium", "high", "critical")] == sorted(Severity)
    with pytest.raises(ValueError):
        Severity.from_label("moderate")


@pytest.mark.parametrize(
    ("status", "required", "incomplete"),
    [
        (Status.OK, False, False),
        (Status.PARTIAL, False, True),
        (Status.FAILED, False, True),
        (Status.TIMEOUT, False, True),
        (Status.SKIPPED, False, False),
        (Status.SKIPPED, True, True),
    ],
)
def test_incomplete(status: Status, required: bool, incomplete: bool) -> None:
    assert ScannerResult("x", status, reason="r", required=required).incomplete is incomplete


def test_gate_exit_codes() -> None:
    ok = [ScannerResult("bandit", Status.OK)]
    bad = [ScannerResult("bandit", Status.OK), ScannerResult("pip-audit", Status.FAILED, reason="offline")]
    crit = [mk(sev=Severity.CRITICAL)]
    high = [mk(sev=Severity.HIGH)]
    assert evaluate([], ok).exit_code == 0
    assert evaluate(high, ok).exit_code == 0
    assert evaluate(high, ok, fail_on="high").exit_code == 1
    assert evaluate(crit, ok).exit_code == 1
    assert evaluate(crit, ok, fail_on="never").exit_code == 0
    assert evaluate([], bad).exit_code == 3
    assert evaluate(crit, bad).exit_code == 1  # findings win over incomplete
    g = evaluate([], bad, allow_incomplete=True)
    assert g.exit_code == 0 and g.incomplete
    assert evaluate([], ok, interrupted=True).exit_code == 3
    assert evaluate([mk(sev=Severity.CRITICAL, suppressed=True)], ok).exit_code == 0
    assert evaluate([mk(sev=Severity.CRITICAL, pre_existing=True)], ok).exit_code == 0


def test_merge_dependency_by_alias() -> None:
    pa = mk(
        "PYSEC-2018-28",
        Severity.HIGH,
        path="",
        source="pip-audit",
        category=Category.DEPENDENCY,
        package=Package("requests", "2.19.1", ("2.20.0",)),
        identifiers=("PYSEC-2018-28", "CVE-2018-18074"),
        severity_source="default",
    )
    tv = mk(
        "CVE-2018-18074",
        Severity.MEDIUM,
        path="requirements.txt",
        line=None,
        source="trivy",
        category=Category.DEPENDENCY,
        package=Package("Requests", "2.19.1", ("2.20.0",)),
        identifiers=("CVE-2018-18074", "CWE-522"),
    )
    other = mk(
        "CVE-2023-32681",
        Severity.MEDIUM,
        path="",
        source="trivy",
        category=Category.DEPENDENCY,
        package=Package("requests", "2.19.1"),
        identifiers=("CVE-2023-32681",),
    )
    out = merge([pa, tv, other])
    assert len(out) == 2
    merged = next(f for f in out if "CVE-2018-18074" in f.identifiers)
    assert set(merged.sources) == {"pip-audit", "trivy"}
    assert {"PYSEC-2018-28", "CVE-2018-18074", "CWE-522"} <= set(merged.identifiers)
    # pip-audit's default severity does not override a real one
    assert merged.severity is Severity.MEDIUM


def test_merge_secret_same_place_and_same_rule_twice() -> None:
    a = mk(
        "detect-secrets.AWSKeyDetector",
        Severity.HIGH,
        "cfg.ini",
        2,
        "detect-secrets",
        Category.SECRET,
        secret_hash="ab" * 20,
    )
    b = mk("secscan.aws-access-key-id", Severity.CRITICAL, "cfg.ini", 2, "secscan-secrets", Category.SECRET)
    c = mk("trivy.aws-access-key-id", Severity.CRITICAL, "cfg.ini", 2, "trivy", Category.SECRET)
    d = mk("B602", Severity.HIGH, "x.py", 5, "bandit")
    e = mk("B602", Severity.HIGH, "x.py", 5, "bandit")
    out = merge([a, b, c, d, e])
    assert len(out) == 2
    secret = next(f for f in out if f.category is Category.SECRET)
    assert set(secret.sources) == {"detect-secrets", "secscan-secrets", "trivy"}
    assert secret.severity is Severity.CRITICAL and secret.secret_hash == "ab" * 20


def test_merge_sast_tools_on_shared_cwe_only() -> None:
    b = mk("B602", Severity.HIGH, "x.py", 5, "bandit", identifiers=("CWE-78",))
    s = mk(
        "secscan.python.subprocess-shell-true", Severity.HIGH, "x.py", 5, "semgrep", identifiers=("CWE-78",)
    )
    unrelated = mk("B324", Severity.HIGH, "x.py", 5, "bandit", identifiers=("CWE-327",))
    out = merge([b, s, unrelated])
    assert len(out) == 2


def test_fingerprint_stable_when_lines_inserted_above() -> None:
    before = [
        mk("B602", line=5, snippet="subprocess.call(cmd, shell=True)"),
        mk("B602", line=9, snippet="subprocess.call(cmd, shell=True)"),
        mk("B301", line=12, snippet="pickle.loads(x)"),
    ]
    after = [
        f.with_(location=Location("a.py", f.location.start_line + 7, f.location.start_line + 7))  # type: ignore[union-attr]
        for f in before
    ]
    fp1 = [f.fingerprint for f in fingerprint.assign(before)]
    fp2 = [f.fingerprint for f in fingerprint.assign(after)]
    assert fp1 == fp2
    assert len(set(fp1)) == 3  # two identical lines keep distinct ids
    moved = fingerprint.assign([before[2].with_(location=Location("b.py", 12, 12))])
    assert moved[0].fingerprint != fp1[2]  # another file is another finding
