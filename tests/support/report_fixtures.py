"""Builders of realistic `Result` objects for format tests (and for anyone else who needs one).

`sample_result()` has every category, suppressed, expired and pre-existing findings, stale suppressions,
actions and scanners in every status. `incomplete_result()` is the same with failing scanners.
`big_result(n)` makes n findings quickly. `XSS` strings are planted by `hostile_finding()`.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable
from typing import Any

from secscan.core.model import (
    Action,
    Category,
    Finding,
    Location,
    Package,
    Result,
    ScannerResult,
    Severity,
    Status,
    Suppression,
)
from secscan.results.gate import evaluate

XSS_SCRIPT = "<script>window.__pwned=1</script>"
XSS_IMG = '<img src=x onerror="window.__pwned=2">'
SECRET_VALUE = "AKIAZZZZ1234567890AB"  # a fake value that must never appear in any report
SECRET_HASH = hashlib.sha256(SECRET_VALUE.encode()).hexdigest()
SECRET_MASK = "AKIA************90AB"


def _fp(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]


def bandit(
    rule: str, path: str, line: int, sev: Severity, title: str, cwe: str = "CWE-78", **kw: Any
) -> Finding:
    """A bandit-style SAST finding."""
    return Finding(
        rule_id=rule,
        title=title,
        message=f"{title} (bandit {rule})",
        severity=sev,
        raw_severity=sev.name,
        category=Category.SAST,
        sources=("bandit",),
        location=Location(path, line, line),
        identifiers=(cwe,),
        fingerprint=_fp(rule, path, str(line)),
        snippet=f"{line} subprocess.call(cmd, shell=True)",
        **kw,
    )


def dependency(
    name: str,
    version: str,
    fixed: tuple[str, ...],
    cve: str,
    ghsa: str,
    sev: Severity,
    manifest: str = "requirements.txt",
    **kw: Any,
) -> Finding:
    """A pip-audit-style dependency finding."""
    return Finding(
        rule_id=cve,
        title=f"{name} {version}: {cve}",
        message=f"{name} {version} is affected by {cve}",
        severity=sev,
        raw_severity="",
        category=Category.DEPENDENCY,
        sources=("pip-audit",),
        location=Location(manifest),
        identifiers=(cve, ghsa),
        package=Package(name, version, fixed, "PyPI", manifest),
        fingerprint=_fp(name, version, cve),
        remediation=f"upgrade {name} from {version} to {fixed[0]}" if fixed else None,
        **kw,
    )


def secret(path: str, line: int, rule: str = "aws-access-key") -> Finding:
    """A secret finding: only the mask and the hash of the value."""
    return Finding(
        rule_id=rule,
        title="AWS access key",
        message=f"AWS access key {SECRET_MASK}",
        severity=Severity.CRITICAL,
        raw_severity="high",
        category=Category.SECRET,
        sources=("detect-secrets", "secscan-secrets"),
        location=Location(path, line, line),
        fingerprint=_fp("secret", path, SECRET_HASH),
        secret_hash=SECRET_HASH,
        secret_mask=SECRET_MASK,
        remediation="revoke the key and remove it from the history",
    )


def hostile_finding() -> Finding:
    """A finding whose text tries to break every format (HTML, Markdown tables, scripts)."""
    evil = f"{XSS_SCRIPT}{XSS_IMG}"
    return Finding(
        rule_id="B999|`x`",
        title=f"title {evil} | pipe `tick`",
        message=f"message {evil}\nsecond line",
        severity=Severity.CRITICAL,
        raw_severity="HIGH",
        category=Category.SAST,
        sources=("semgrep",),
        location=Location(f"src/{evil}.py", 7, 7),
        identifiers=("CWE-79",),
        fingerprint=_fp("hostile"),
        snippet=f"x = '{evil}' </script><!--",
        remediation=f"fix {evil}",
    )


def sample_findings() -> list[Finding]:
    """A realistic mix across categories and states."""
    expired = Suppression(
        "config", "legacy code, rewrite planned", "platform-team", "2024-01-01", expired=True
    )
    return [
        bandit("B602", "app/run.py", 12, Severity.HIGH, "subprocess call with shell=True"),
        bandit("B105", "app/settings.py", 3, Severity.LOW, "Possible hardcoded password", cwe="CWE-259"),
        bandit(
            "B324",
            "app/hash.py",
            10,
            Severity.MEDIUM,
            "Use of weak MD5 hash",
            cwe="CWE-327",
            suppressed=True,
            suppression=Suppression("config", "not used for security", "crypto-team", "2099-03-01"),
        ),
        bandit(
            "B608",
            "app/db.py",
            44,
            Severity.MEDIUM,
            "Possible SQL injection",
            cwe="CWE-89",
            pre_existing=True,
            suppression=Suppression("baseline", "in baseline"),
        ),
        bandit("B301", "app/cache.py", 5, Severity.MEDIUM, "pickle load", cwe="CWE-502", suppression=expired),
        Finding(
            rule_id="python.flask.debug-enabled",
            title="Flask debug mode",
            message="debug=True in production",
            severity=Severity.HIGH,
            raw_severity="ERROR",
            category=Category.MISCONFIGURATION,
            sources=("semgrep",),
            location=Location("app/web.py", 30, 31),
            identifiers=("CWE-489",),
            fingerprint=_fp("semgrep", "debug"),
            snippet="app.run(debug=True)",
        ),
        dependency("requests", "2.19.0", ("2.20.0",), "CVE-2018-18074", "GHSA-x84v-xcm2-53pg", Severity.HIGH),
        dependency(
            "jinja2", "2.10", ("2.10.1", "3.0.0"), "CVE-2019-10906", "GHSA-462w-v97r-4m45", Severity.CRITICAL
        ),
        dependency(
            "urllib3",
            "1.24",
            (),
            "CVE-2019-11324",
            "GHSA-mh33-7rrq-662w",
            Severity.MEDIUM,
            manifest="backend/requirements-old.txt",
        ),
        Finding(
            rule_id="CVE-2023-4911",
            title="glibc: buffer overflow in ld.so",
            message="glibc 2.31 affected",
            severity=Severity.HIGH,
            raw_severity="HIGH",
            category=Category.CONTAINER,
            sources=("trivy-image",),
            location=Location("", None, None, image="python:3.8-slim"),
            identifiers=("CVE-2023-4911",),
            package=Package("libc6", "2.31-13", ("2.31-13+deb11u7",), "debian"),
            fingerprint=_fp("glibc"),
            remediation="upgrade libc6 to 2.31-13+deb11u7",
        ),
        Finding(
            rule_id="license-gpl",
            title="GPL-3.0 license",
            message="GPL-3.0 dependency",
            severity=Severity.LOW,
            raw_severity="LOW",
            category=Category.LICENSE,
            sources=("trivy",),
            package=Package("gplthing", "1.0", (), "PyPI", "requirements.txt"),
            location=Location("requirements.txt"),
            fingerprint=_fp("gpl"),
        ),
        secret("config/aws.env", 2),
        Finding(
            rule_id="pqc-kem-roundtrip",
            title="ML-KEM round trip failed",
            message="liboqs not loadable",
            severity=Severity.MEDIUM,
            raw_severity="failed",
            category=Category.CRYPTO,
            sources=("pqc",),
            fingerprint=_fp("pqc"),
        ),
        Finding(
            rule_id="mtls-client-cert-not-required",
            title="server accepts clients without certificate",
            message="handshake without client certificate succeeded",
            severity=Severity.HIGH,
            raw_severity="fail",
            category=Category.TLS,
            sources=("mtls",),
            fingerprint=_fp("mtls"),
            location=Location("localhost:8443"),
        ),
        Finding(
            rule_id="B101",
            title="assert used",
            message="assert used",
            severity=Severity.INFO,
            raw_severity="LOW",
            category=Category.SAST,
            sources=("bandit",),
            location=Location("tests/t.py", 1, 1),
            fingerprint=_fp("assert"),
        ),
    ]


def scanners(incomplete: bool) -> list[ScannerResult]:
    """Scanner outcomes; with incomplete=True some failed, timed out or were partial."""
    out = [
        ScannerResult("bandit", Status.OK, "1.9.4", 0.8, None, 5, {"files_scanned": 40}, canary="detected"),
        ScannerResult(
            "pip-audit", Status.OK, "2.10.1", 3.1, None, 3, {"dependencies_audited": 12}, canary="detected"
        ),
        ScannerResult("detect-secrets", Status.OK, "1.5.0", 0.5, None, 1, {"files_scanned": 41}),
        ScannerResult("secscan-secrets", Status.OK, "0.1.0", 0.2, None, 1, {"files_scanned": 41}),
        ScannerResult("trivy", Status.SKIPPED, None, 0.0, "trivy is not on PATH", 0),
        ScannerResult("trivy-image", Status.OK, "0.50.1", 12.0, None, 1),
        ScannerResult("mtls", Status.OK, "0.1.0", 0.3, None, 1, evidence={"handshakes": 3}),
    ]
    if incomplete:
        out += [
            ScannerResult("semgrep", Status.TIMEOUT, "1.185.0", 300.0, "timed out after 300 s", 1,
                          categories=(Category.SAST,)),
            ScannerResult(
                "npm-audit",
                Status.FAILED,
                None,
                0.1,
                "npm exited 254: <lockfile> | unreadable",
                0,
                required=True,
                categories=(Category.DEPENDENCY,),
            ),
            ScannerResult(
                "pqc", Status.PARTIAL, "0.14.0", 0.2, "liboqs C library not found; 1 of 3 checks ran", 1,
                categories=(Category.CRYPTO,),
            ),
        ]
    else:
        out += [
            ScannerResult("semgrep", Status.OK, "1.185.0", 9.0, None, 1, {"files_scanned": 40}),
            ScannerResult("pqc", Status.OK, "0.14.0", 0.2, None, 1),
        ]
    return out


def build(
    findings: Iterable[Finding],
    scanner_results: Iterable[ScannerResult],
    fail_on: str = "high",
    run_id: str = "run-0001",
    allow_incomplete: bool = False,
) -> Result:
    """A Result with the gate evaluated by the real gate and actions derived from remediations."""
    fs, ss = tuple(findings), tuple(scanner_results)
    gate = evaluate(fs, ss, fail_on=fail_on, allow_incomplete=allow_incomplete)
    actions: dict[str, list[Finding]] = {}
    for f in fs:
        if f.remediation and f.counts_for_gate:
            actions.setdefault(f.remediation, []).append(f)
    acts = tuple(
        Action(a, max(f.severity for f in group), tuple(f.fingerprint for f in group))
        for a, group in sorted(actions.items(), key=lambda kv: -max(f.severity for f in kv[1]))
    )
    return Result(
        target="demo-project",
        started_at="2025-05-01T10:20:30+00:00",
        duration_s=14.2,
        scanners=ss,
        findings=fs,
        gate=gate,
        actions=acts[:10],
        secscan_version="0.1.0",
        run_id=run_id,
        notes=("offline mode: network-bound scanners skipped",),
        stale_suppressions=(
            {"rule": "B404", "path": "tools/*.py", "reason": "subprocess import is fine", "owner": "ops"},
        ),
    )


def sample_result(**kw: Any) -> Result:
    """Complete scan with findings."""
    return build(sample_findings(), scanners(False), **kw)


def incomplete_result(**kw: Any) -> Result:
    """Scan where semgrep timed out, npm-audit failed (required) and pqc was partial."""
    return build(sample_findings(), scanners(True), **kw)


def clean_result() -> Result:
    """Complete scan, no findings."""
    return build([], [s.with_(findings=0) for s in scanners(False)])


def big_result(n: int = 20_000, seed: int = 7) -> Result:
    """n varied findings (deterministic)."""
    rnd = random.Random(seed)
    sevs = list(Severity)
    cats = [Category.SAST, Category.DEPENDENCY, Category.MISCONFIGURATION, Category.CRYPTO]
    srcs = ["bandit", "semgrep", "pip-audit", "trivy"]
    out = []
    for i in range(n):
        sev, cat = rnd.choice(sevs), rnd.choice(cats)
        path = f"pkg{i % 50}/module_{i % 997}.py"
        out.append(
            Finding(
                rule_id=f"R{i % 300:03d}",
                title=f"problem number {i}",
                message=f"message {i} in {path}",
                severity=sev,
                raw_severity=sev.name,
                category=cat,
                sources=(rnd.choice(srcs),),
                location=Location(path, 1 + i % 400, 1 + i % 400),
                identifiers=(f"CWE-{i % 90}",),
                fingerprint=_fp("big", str(i)),
                snippet=f"line {i}",
                suppressed=i % 97 == 0,
                suppression=Suppression("config", "accepted") if i % 97 == 0 else None,
            )
        )
    return build(out, scanners(False))
