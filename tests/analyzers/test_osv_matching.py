"""OSV affected-range evaluation: PyPI with packaging, npm with semver (pre-releases included)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from secscan.analyzers.advisories.matching import (
    Affected,
    Range,
    Undecidable,
    fixed_versions,
    in_range,
    is_affected,
    parse_affected,
)
from secscan.analyzers.advisories.versions import (
    key_for_all,
    norm_ecosystem,
    norm_name,
    npm_version,
    pypi_version,
    sort_versions,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "osv"


def entries(rel: str, name: str) -> list[Affected]:
    data = json.loads((FIXTURES / rel).read_text())
    out = [a for a in (parse_affected(x) for x in data["affected"]) if a is not None]
    return [a for a in out if a.name.lower() == name.lower()]


def affected_by(rel: str, eco: str, name: str, version: str) -> bool:
    return any(is_affected(eco, version, e) for e in entries(rel, name))


@pytest.mark.parametrize(("version", "hit"), [
    ("0.2.0", True), ("1.0.0", True), ("2.19.1", True), ("2.20.0rc1", True), ("2.20.0", False),
    ("2.20.1", False), ("2.31.0", False), ("0.12.01", True),
])
def test_requests_pysec_2018_28(version: str, hit: bool) -> None:
    assert affected_by("PyPI/PYSEC-2018-28.json", "PyPI", "requests", version) is hit


@pytest.mark.parametrize(("version", "hit"), [
    ("2.2.1", False), ("2.3.0", True), ("2.19.1", True), ("2.30.0", True), ("2.31.0", False),
    ("2.32.3", False),
])
def test_requests_cve_2023_32681_introduced_bound(version: str, hit: bool) -> None:
    assert affected_by("PyPI/GHSA-j8r2-6x86-q33q.json", "PyPI", "requests", version) is hit
    assert affected_by("PyPI/PYSEC-2023-74.json", "PyPI", "requests", version) is hit


@pytest.mark.parametrize(("version", "hit"), [
    ("2.1", False), ("2.2", True), ("2.2.27", True), ("2.2.28", False), ("3.0.14", False), ("3.1.14", False),
    ("3.2", True), ("3.2.12", True), ("3.2.13", False), ("4.0", True), ("4.0.3", True), ("4.0.4", False),
    ("4.1", False),
])
def test_django_branches_each_fixed_in_their_own_release(version: str, hit: bool) -> None:
    assert affected_by("PyPI/GHSA-2gwj-7jmv-h26r.json", "PyPI", "Django", version) is hit


def test_pypi_names_are_normalized_pep503() -> None:
    assert norm_name("PyPI", "Django") == norm_name("PyPI", "django") == "django"
    assert norm_name("PyPI", "Zope.Interface") == norm_name("PyPI", "zope_interface") == "zope-interface"
    assert norm_name("npm", "JSONStream") == "jsonstream"


@pytest.mark.parametrize(("version", "hit"), [
    ("0.0.8", True), ("0.2.3", True), ("0.2.4", False), ("0.9.0", False), ("1.0.0", True), ("1.2.0", True),
    ("1.2.5", True), ("1.2.6", False), ("1.2.8", False),
])
def test_minimist_two_branches_npm(version: str, hit: bool) -> None:
    assert affected_by("npm/GHSA-xvch-5gv4-984h.json", "npm", "minimist", version) is hit


@pytest.mark.parametrize(("version", "hit"), [
    ("2.6.0", True), ("2.6.1-beta.1", True), ("2.6.1", False), ("2.6.7", False),
    ("3.0.0-alpha.1", False),  # before the beta range, and above 2.6.1
    ("3.0.0-beta.1", True), ("3.0.0-beta.8", True),
    ("3.0.0-beta.9", False),
    ("3.0.0-beta.10", False),  # numeric pre-release identifiers: beta.10 > beta.9 (a string compare says <)
    ("3.0.0", False),
])
def test_npm_prerelease_ranges_use_semver_ordering(version: str, hit: bool) -> None:
    assert affected_by("npm/GHSA-w7rc-rwvf-8q5r.json", "npm", "node-fetch", version) is hit


def test_prerelease_fixed_version_with_introduced_zero() -> None:
    rng = Range("SEMVER", (("introduced", "0"), ("fixed", "2.0.0-beta.3")))
    entry = Affected("npm", "x", (rng,))
    assert is_affected("npm", "1.9.9", entry)
    assert is_affected("npm", "2.0.0-beta.2", entry)
    assert is_affected("npm", "2.0.0-alpha.7", entry)
    assert not is_affected("npm", "2.0.0-beta.3", entry)
    assert not is_affected("npm", "2.0.0-beta.11", entry)
    assert not is_affected("npm", "2.0.0-rc.1", entry)
    assert not is_affected("npm", "2.0.0", entry)


@pytest.mark.parametrize(("version", "hit"), [("4.5.1", True), ("4.0.0", True), ("4.5.2", False)])
def test_last_affected_is_inclusive(version: str, hit: bool) -> None:
    assert affected_by("npm/GHSA-29mw-wpgm-hmr9.json", "npm", "lodash.trim", version) is hit


def test_semver_typed_and_ecosystem_typed_npm_ranges_both_evaluate() -> None:
    semver_typed = entries("npm/GHSA-29mw-wpgm-hmr9.json", "lodash")
    eco_typed = entries("npm/GHSA-35jh-r3h4-6jhm.json", "lodash")
    assert semver_typed[0].ranges[0].type == "SEMVER" and eco_typed[0].ranges[0].type == "ECOSYSTEM"
    for e in (*semver_typed, *eco_typed):
        assert is_affected("npm", "4.17.15", e) and not is_affected("npm", "4.17.21", e)


def test_limit_event_caps_the_range() -> None:
    rng = Range("ECOSYSTEM", (("introduced", "1.0"), ("limit", "1.5")))
    entry = Affected("PyPI", "x", (rng,))
    assert is_affected("PyPI", "1.4.9", entry) and not is_affected("PyPI", "1.5", entry)
    assert not is_affected("PyPI", "0.9", entry)


def test_several_introduced_fixed_pairs_in_one_range() -> None:
    events = (("introduced", "0"), ("fixed", "1.26.17"), ("introduced", "2.0.0"), ("fixed", "2.0.6"))
    entry = Affected("PyPI", "urllib3", (Range("ECOSYSTEM", events),))
    versions = ("1.26.16", "1.26.17", "1.26.18", "2.0.0", "2.0.5", "2.0.6")
    got = [is_affected("PyPI", v, entry) for v in versions]
    assert got == [True, False, False, True, True, False]
    assert fixed_versions(entry) == ("1.26.17", "2.0.6")


def test_open_range_without_fix_affects_everything_after_introduced() -> None:
    entry = Affected("PyPI", "x", (Range("ECOSYSTEM", (("introduced", "1.0"),)),))
    assert is_affected("PyPI", "99.0", entry) and not is_affected("PyPI", "0.9", entry)
    assert fixed_versions(entry) == ()


def test_git_ranges_are_ignored_and_versions_list_is_used() -> None:
    git = Range("GIT", (("introduced", "0"), ("fixed", "c45d7c49")))
    entry = Affected("PyPI", "x", (git,), ("1.0", "1.1"))
    assert is_affected("PyPI", "1.1", entry)
    assert is_affected("PyPI", "1.1.0", entry)  # PEP 440 equality of listed versions
    assert not is_affected("PyPI", "1.2", entry)
    assert fixed_versions(entry) == ()


def test_unreadable_event_version_is_undecidable_not_clean() -> None:
    entry = Affected("PyPI", "x", (Range("ECOSYSTEM", (("introduced", "0"), ("fixed", "not a version!"))),))
    with pytest.raises(Undecidable):
        is_affected("PyPI", "1.0", entry)
    npm_entry = Affected("npm", "y", (Range("SEMVER", (("introduced", "0"), ("fixed", "1.2"))),))
    with pytest.raises(Undecidable):
        is_affected("npm", "1.0.0", npm_entry)


def test_unreadable_installed_version_is_undecidable() -> None:
    entry = Affected("npm", "y", (Range("SEMVER", (("introduced", "0"), ("fixed", "1.2.0"))),))
    with pytest.raises(Undecidable):
        is_affected("npm", "github:user/repo#abc", entry)


def test_in_range_sorts_events_whatever_their_order() -> None:
    rng = Range("ECOSYSTEM", (("fixed", "2.0"), ("introduced", "1.0")))
    parse = pypi_version
    assert in_range(parse("1.5"), rng, parse) and not in_range(parse("2.0"), rng, parse)


def test_parse_affected_rejects_entries_without_package() -> None:
    assert parse_affected({"ranges": []}) is None
    assert parse_affected({"package": {"ecosystem": "PyPI"}}) is None
    a = parse_affected({"package": {"ecosystem": "Debian:11", "name": "openssl"}, "versions": ["1.1"]})
    assert a is not None and a.ecosystem == "Debian" and a.versions == ("1.1",)


def test_version_helpers() -> None:
    assert npm_version("v1.2.3") == npm_version("1.2.3") and npm_version("1.2") is None
    assert pypi_version("not a version") is None
    assert sort_versions("PyPI", ["3.2.13", "2.2.28", "4.0.4", "3.2.13"]) == ["2.2.28", "3.2.13", "4.0.4"]
    assert sort_versions("npm", ["3.0.0-beta.10", "3.0.0-beta.9", "2.6.1"]) == ["2.6.1", "3.0.0-beta.9",
                                                                                 "3.0.0-beta.10"]
    assert key_for_all("alpine", ["1.1.1g-r0", "1.1.1k-r0"]) is None
    assert norm_ecosystem("pip") == "PyPI" and norm_ecosystem(None, ["npm-audit"]) == "npm"
    assert norm_ecosystem("Debian:11") == "Debian" and norm_ecosystem(None, ["bandit"]) is None
