"""Remediation text per finding, upgrades per package, and the top actions of a result."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from secscan.analyzers.advisories.npm_lockfile import audit_npm
from secscan.analyzers.advisories.osv import load_folder
from secscan.analyzers.advisories.python_deps import audit_python
from secscan.core.model import Category, Finding, Location, Package, Severity, Suppression
from secscan.results.remediation import (
    BANDIT_FIXES,
    SECRET_REMEDIATION,
    apply_remediation,
    lowest_fix,
    remediation_for,
    top_actions,
    upgrade_target,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
_IDS = itertools.count()


def dep(
    name: str,
    version: str | None,
    fixed: tuple[str, ...],
    rule: str,
    eco: str | None = "PyPI",
    sev: Severity = Severity.HIGH,
    fp: str = "",
    sources: tuple[str, ...] = ("osv-db",),
    category: Category = Category.DEPENDENCY,
    image: str | None = None,
    **kw,
) -> Finding:
    loc = Location("requirements.txt", image=image) if image else Location("requirements.txt")
    return Finding(
        rule,
        rule,
        rule,
        sev,
        sev.label,
        category,
        sources,
        loc,
        Package(name, version, fixed, eco),
        (rule,),
        fingerprint=fp or f"fp-{name}-{version}-{rule}",
        **kw,
    )


def code(rule: str, sev: Severity = Severity.HIGH, source: str = "bandit", fp: str = "", **kw) -> Finding:
    return Finding(
        rule,
        kw.pop("title", rule),
        kw.pop("message", f"{rule} message"),
        sev,
        sev.label,
        kw.pop("category", Category.SAST),
        (source,),
        Location("a.py", 3, 3),
        fingerprint=fp or f"fp-{rule}-{next(_IDS)}",
        **kw,
    )


def secret(fp: str, h: str | None) -> Finding:
    return Finding(
        "AWSKeyDetector",
        "AWS key",
        "AWS key",
        Severity.HIGH,
        "high",
        Category.SECRET,
        ("detect-secrets",),
        Location("conf.py", 1, 1),
        fingerprint=fp,
        secret_hash=h,
    )


REQUESTS = [  # requests 2.19.1 and the advisories of the fixture database, as pip-audit would list them
    dep("requests", "2.19.1", ("2.20.0",), "PYSEC-2018-28"),
    dep("requests", "2.19.1", ("2.31.0",), "PYSEC-2023-74", sev=Severity.MEDIUM),
    dep("requests", "2.19.1", ("2.32.2",), "GHSA-9wx4-h78v-vm56", sev=Severity.MEDIUM),
    dep("requests", "2.19.1", ("2.32.4",), "GHSA-9hjg-9r4m-mvj7", sev=Severity.MEDIUM),
]


def test_several_advisories_one_upgrade_per_package() -> None:
    out = apply_remediation(REQUESTS)
    assert {f.remediation for f in out} == {"upgrade requests from 2.19.1 to 2.32.4"}
    (action,) = top_actions(REQUESTS)
    assert action.action == "upgrade requests from 2.19.1 to 2.32.4"
    assert action.severity is Severity.HIGH and set(action.clears) == {f.fingerprint for f in REQUESTS}


def test_two_advisories_fixed_in_different_versions_get_the_higher_one_on_the_right_branch() -> None:
    django = [
        dep("django", "3.2.12", ("2.2.28", "3.2.13", "4.0.4"), "GHSA-2gwj-7jmv-h26r", sev=Severity.CRITICAL),
        dep("django", "3.2.12", ("3.2.14", "4.0.6"), "GHSA-p64x-8rxx-wf6q", sev=Severity.CRITICAL),
    ]
    assert {f.remediation for f in apply_remediation(django)} == {"upgrade django from 3.2.12 to 3.2.14"}
    assert upgrade_target("PyPI", "3.2.12", [f.package.fixed_versions for f in django]) == "3.2.14"
    assert upgrade_target("PyPI", "4.0.1", [f.package.fixed_versions for f in django]) == "4.0.6"
    assert upgrade_target("PyPI", "2.2.1", [f.package.fixed_versions for f in django]) == "3.2.14"
    # each finding alone names its own lowest fix
    assert remediation_for(django[0]) == "upgrade django from 3.2.12 to 3.2.13"


@pytest.mark.parametrize(
    ("eco", "installed", "fixed", "lowest"),
    [
        ("PyPI", "9.0", ("10.0", "9.1"), "9.1"),  # numeric, not string, order
        ("PyPI", "2.9.0", ("2.10.0", "2.9.1"), "2.9.1"),
        ("PyPI", "1.0rc1", ("1.0",), "1.0"),
        ("PyPI", "2.20.0", ("2.20.0",), None),
        ("npm", "3.0.0-beta.8", ("2.6.1", "3.0.0-beta.10", "3.0.0-beta.9"), "3.0.0-beta.9"),
        ("npm", "2.6.0", ("2.6.1", "3.0.0-beta.9"), "2.6.1"),
        ("npm", "0.0.8", ("0.2.1", "1.2.3"), "0.2.1"),
        ("npm", "1.2.0", ("0.2.4", "1.2.6"), "1.2.6"),
        ("npm", "1.2.6", ("0.2.4", "1.2.6"), None),
        ("PyPI", None, ("2.20.0", "1.0"), "1.0"),
        ("alpine", "1.1.1f-r0", ("1.1.1g-r0",), "1.1.1g-r0"),  # one fix: used without ordering
        ("alpine", "1.1.1f-r0", ("1.1.1g-r0", "1.1.1k-r0"), None),  # several fixes nothing can order
    ],
)
def test_lowest_fix(eco: str, installed: str | None, fixed: tuple[str, ...], lowest: str | None) -> None:
    assert lowest_fix(eco, installed, fixed) == lowest


def test_npm_upgrades_per_installed_version() -> None:
    fs = [
        dep("minimist", "0.0.8", ("0.2.1", "1.2.3"), "GHSA-vh95-rmgr-6w4m", eco="npm", sev=Severity.MEDIUM),
        dep("minimist", "0.0.8", ("0.2.4", "1.2.6"), "GHSA-xvch-5gv4-984h", eco="npm", sev=Severity.CRITICAL),
        dep("minimist", "1.2.0", ("0.2.1", "1.2.3"), "GHSA-vh95-rmgr-6w4m", eco="npm", sev=Severity.MEDIUM),
        dep("minimist", "1.2.0", ("0.2.4", "1.2.6"), "GHSA-xvch-5gv4-984h", eco="npm", sev=Severity.CRITICAL),
    ]
    texts = [f.remediation for f in apply_remediation(fs)]
    assert (
        texts == ["upgrade minimist from 0.0.8 to 0.2.4"] * 2 + ["upgrade minimist from 1.2.0 to 1.2.6"] * 2
    )
    actions = top_actions(fs)
    assert [a.action for a in actions] == [
        "upgrade minimist from 0.0.8 to 0.2.4",
        "upgrade minimist from 1.2.0 to 1.2.6",
    ]
    assert all(a.severity is Severity.CRITICAL and len(a.clears) == 2 for a in actions)


def test_no_fix_published() -> None:
    unfixed = dep("yaml-thing", "1.0", (), "GHSA-dddd-0010-0010", sev=Severity.CRITICAL)
    fixed = dep("yaml-thing", "1.0", ("1.1",), "GHSA-aaaa-0001-0001", sev=Severity.LOW)
    assert remediation_for(unfixed) == "no fixed version published for yaml-thing 1.0"
    out = apply_remediation([unfixed, fixed])
    assert [f.remediation for f in out] == [
        "no fixed version published for yaml-thing 1.0",
        "upgrade yaml-thing from 1.0 to 1.1",
    ]
    actions = top_actions([unfixed, fixed])
    assert [(a.action, a.severity, a.clears) for a in actions] == [
        (
            "no fixed version published for yaml-thing 1.0: replace or mitigate it (1 advisory)",
            Severity.CRITICAL,
            (unfixed.fingerprint,),
        ),
        ("upgrade yaml-thing from 1.0 to 1.1", Severity.LOW, (fixed.fingerprint,)),
    ]


def test_unknown_version_and_unorderable_fixes() -> None:
    # no installed version: the lowest fixed version of each advisory, the highest of those across them
    assert remediation_for(dep("a", None, ("2.0", "1.5"), "X-1")) == "upgrade a to 1.5"
    both = apply_remediation([dep("a", None, ("2.0", "1.5"), "X-1"), dep("a", None, ("1.7",), "X-2")])
    assert {f.remediation for f in both} == {"upgrade a to 1.7"}
    odd = dep(
        "openssl",
        "1.1.1f-r0",
        ("1.1.1g-r0", "1.1.1k-r0"),
        "CVE-2020-1967",
        eco="alpine",
        category=Category.CONTAINER,
        image="alpine:3.10",
    )
    assert (
        remediation_for(odd) == "upgrade openssl from 1.1.1f-r0 to a fixed version (1.1.1g-r0, 1.1.1k-r0)"
        " (image alpine:3.10)"
    )
    one = dep(
        "openssl",
        "1.1.1f-r0",
        ("1.1.1g-r0",),
        "CVE-2020-1967",
        eco="alpine",
        category=Category.CONTAINER,
        image="alpine:3.10",
    )
    assert remediation_for(one) == "upgrade openssl from 1.1.1f-r0 to 1.1.1g-r0 (image alpine:3.10)"


def test_unorderable_fixes_are_one_upgrade_action_not_a_missing_fix() -> None:
    a = dep("openssl", "1.1.1f-r0", ("1.1.1g-r0", "1.1.1k-r0"), "CVE-2020-1967", eco="alpine",
            category=Category.CONTAINER, image="alpine:3.10", sev=Severity.HIGH)
    b = dep("openssl", "1.1.1f-r0", ("1.1.1k-r0",), "CVE-2021-3450", eco="alpine",
            category=Category.CONTAINER, image="alpine:3.10", sev=Severity.MEDIUM)
    (only_a,) = top_actions([a])
    assert only_a.action == ("upgrade openssl from 1.1.1f-r0 to a fixed version (1.1.1g-r0, 1.1.1k-r0)"
                             " (image alpine:3.10)")
    # b's single fix is also one of a's fixes: one upgrade clears both
    (both,) = top_actions([a, b])
    assert both.action == "upgrade openssl from 1.1.1f-r0 to 1.1.1k-r0 (image alpine:3.10)"
    assert set(both.clears) == {a.fingerprint, b.fingerprint} and both.severity is Severity.HIGH
    assert {f.remediation for f in apply_remediation([a, b])} == {both.action}


def test_ecosystem_inferred_from_the_source() -> None:
    f = dep("requests", "2.9.0", ("2.10.0", "2.9.1"), "PYSEC-X", eco=None, sources=("pip-audit",))
    assert remediation_for(f) == "upgrade requests from 2.9.0 to 2.9.1"


def test_bandit_fix_table() -> None:
    assert all(re.fullmatch(r"B\d{3}", k) and short and fix for k, (short, fix) in BANDIT_FIXES.items())
    for tid in ("B602", "B603", "B301", "B506", "B303", "B324", "B501", "B105", "B106", "B608"):
        assert tid in BANDIT_FIXES
    f = code("B602", properties={"more_info": "https://bandit.readthedocs.io/en/1.9.4/plugins/b602.html"})
    assert remediation_for(f) == (
        "pass an argument list, without shell=True (shlex.split); see "
        "https://bandit.readthedocs.io/en/1.9.4/plugins/b602.html"
    )
    assert remediation_for(code("B506")) == "use yaml.safe_load() (or Loader=yaml.SafeLoader)"
    assert (
        remediation_for(code("B999", title="new_test")) == "review the code bandit flags as B999 (new_test)"
    )


def test_every_installed_bandit_test_has_a_fix() -> None:
    el = pytest.importorskip("bandit.core.extension_loader")
    ids = set(el.MANAGER.plugins_by_id) | set(getattr(el.MANAGER, "blacklist_by_id", {}))
    assert ids and not sorted(ids - set(BANDIT_FIXES))


def test_semgrep_fix_then_message() -> None:
    f = code("python.lang.security.audit.eval", source="semgrep", properties={"fix": "ast.literal_eval(x)"})
    assert remediation_for(f) == "apply the rule's fix: ast.literal_eval(x)"
    g = code("python.flask.debug", source="semgrep", message="Detected Flask app with debug=True.\nMore text")
    assert remediation_for(g) == "Detected Flask app with debug=True."


def test_secrets_crypto_tls_and_existing_text() -> None:
    assert remediation_for(secret("s1", "h1")) == SECRET_REMEDIATION
    pqc = code("PQC-KEM-MISSING", source="pqc", category=Category.CRYPTO, remediation="install liboqs 0.14")
    tls = code(
        "MTLS-NO-CLIENT-AUTH", source="mtls", category=Category.TLS, remediation="require client certs"
    )
    assert remediation_for(pqc) == "install liboqs 0.14" and remediation_for(tls) == "require client certs"
    kept = dep("requests", "2.19.1", (), "PYSEC-2018-28", remediation="pinned by pip-audit's fixes")
    out = apply_remediation([kept, pqc, secret("s1", "h1")])
    assert [f.remediation for f in out] == [
        "pinned by pip-audit's fixes",
        "install liboqs 0.14",
        SECRET_REMEDIATION,
    ]


def test_top_actions_rank_group_and_skip_suppressed() -> None:
    b602 = [code("B602", fp=f"b602-{i}") for i in range(3)]
    b105 = [code("B105", sev=Severity.LOW, fp="b105")]
    crit = [code("B608", sev=Severity.CRITICAL, fp="b608")]
    secrets = [secret("s1", "h1"), secret("s2", "h1"), secret("s3", "h2")]
    quiet = [
        code("B602", fp="sup", suppressed=True, suppression=Suppression("config", "ok")),
        code("B301", fp="old", pre_existing=True),
    ]
    actions = top_actions([*b602, *b105, *crit, *secrets, *REQUESTS, *quiet])
    # risk = severity x count: 256 (1 critical), 192 (3 high), 128 (one key, 2 high), 112 (1 high + 3
    # medium), 64 (the other key), 4 (1 low)
    assert [(a.action, a.severity.label, len(a.clears)) for a in actions] == [
        ("fix 1 x B608 SQL built from strings", "critical", 1),
        ("fix 3 x B602 subprocess with shell=True", "high", 3),
        ("rotate the AWS key leaked at conf.py:1", "high", 2),
        ("upgrade requests from 2.19.1 to 2.32.4", "high", 4),
        ("rotate the AWS key leaked at conf.py:1", "high", 1),
        ("fix 1 x B105 hardcoded password string", "low", 1),
    ]
    assert "sup" not in actions[1].clears
    assert [a.action for a in top_actions([*b602, *crit], limit=1)] == ["fix 1 x B608 SQL built from strings"]
    assert top_actions(quiet) == []


def test_top_actions_crypto_uses_the_checks_text() -> None:
    pqc = [
        code("PQC-1", source="pqc", category=Category.CRYPTO, remediation="install liboqs", fp=f"p{i}")
        for i in range(2)
    ]
    (a,) = top_actions(pqc)
    assert a.action == "install liboqs (2 findings)" and a.clears == ("p0", "p1")


@pytest.fixture(scope="module")
def db():
    return load_folder(FIXTURES / "osv")


def test_end_to_end_from_the_offline_audits(tmp_path: Path, db) -> None:
    (tmp_path / "requirements.txt").write_text("requests==2.19.1\ndjango==3.2.12\n")
    py = audit_python(tmp_path, ["requirements.txt"], db).findings
    js = audit_npm(FIXTURES / "npm" / "v3", ["package-lock.json"], db).findings
    items = [f.with_(fingerprint=f"f{i}") for i, f in enumerate([*py, *js])]
    texts = {(f.package.name, f.package.version, f.remediation) for f in apply_remediation(items)}
    assert texts == {
        ("requests", "2.19.1", "upgrade requests from 2.19.1 to 2.32.4"),
        ("django", "3.2.12", "upgrade django from 3.2.12 to 3.2.14"),
        ("lodash", "4.17.15", "upgrade lodash from 4.17.15 to 4.17.21"),
        ("minimist", "1.2.0", "upgrade minimist from 1.2.0 to 1.2.6"),
        ("minimist", "0.0.8", "upgrade minimist from 0.0.8 to 0.2.4"),
    }
    actions = top_actions(items)
    assert [(a.action, a.severity.label, len(a.clears)) for a in actions] == [
        ("upgrade django from 3.2.12 to 3.2.14", "critical", 2),
        ("upgrade minimist from 0.0.8 to 0.2.4", "critical", 2),
        ("upgrade minimist from 1.2.0 to 1.2.6", "critical", 2),
        ("upgrade requests from 2.19.1 to 2.32.4", "high", 4),
        ("upgrade lodash from 4.17.15 to 4.17.21", "high", 2),
    ]
