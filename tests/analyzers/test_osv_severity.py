"""Severity of OSV records: CVSS vectors scored with the cvss package, database words, the default."""

from __future__ import annotations

import pytest

from secscan.analyzers.advisories.severity import (
    CVSS_BANDS,
    DATABASE_WORDS,
    DEFAULT_SEVERITY,
    band,
    cvss_score,
    rate,
    strongest,
)
from secscan.core.model import Severity

# Vectors as published in the fixture advisories (tests/fixtures/osv) and a few more; the scores are
# the ones GitHub / NVD publish for these vectors.
CVSS_CASES = [
    ("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, Severity.CRITICAL),  # GHSA-xvch-...
    ("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5, Severity.HIGH),  # GHSA-x84v-xcm2-53pg
    ("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H", 7.2, Severity.HIGH),  # GHSA-35jh-r3h4-6jhm
    ("CVSS_V3", "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N", 6.1, Severity.MEDIUM),  # GHSA-j8r2-6x86-q33q
    ("CVSS_V3", "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:H/I:H/A:N", 5.6, Severity.MEDIUM),  # GHSA-9wx4-h78v-vm56
    ("CVSS_V3", "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:L", 5.6, Severity.MEDIUM),  # GHSA-vh95-rmgr-6w4m
    ("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L", 5.3, Severity.MEDIUM),  # GHSA-29mw-wpgm-hmr9
    ("CVSS_V3", "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:N/A:N", 5.3, Severity.MEDIUM),  # GHSA-9hjg-9r4m-mvj7
    ("CVSS_V3", "CVSS:3.1/AV:N/AC:H/PR:L/UI:R/S:U/C:N/I:N/A:L", 2.6, Severity.LOW),  # GHSA-w7rc-rwvf-8q5r
    ("CVSS_V3", "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, Severity.CRITICAL),  # a CVSS 3.0 vector
    ("CVSS_V4", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.3, Severity.CRITICAL),
    ("CVSS_V4", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:H/VA:N/SC:N/SI:N/SA:N/E:P", 7.7, Severity.HIGH),
    ("CVSS_V4", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N", 6.9, Severity.MEDIUM),
    ("CVSS_V4", "CVSS:4.0/AV:L/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N", 1.0, Severity.LOW),
]


@pytest.mark.parametrize(("kind", "vector", "score", "severity"), CVSS_CASES)
def test_cvss_vectors_score_and_band(kind: str, vector: str, score: float, severity: Severity) -> None:
    assert cvss_score(kind, vector) == score
    r = rate([(kind, vector)], None)
    assert (r.severity, r.score, r.vector, r.source) == (severity, score, vector, kind.lower())


@pytest.mark.parametrize(("score", "severity"), [
    (10.0, Severity.CRITICAL), (9.0, Severity.CRITICAL), (8.9, Severity.HIGH), (7.0, Severity.HIGH),
    (6.9, Severity.MEDIUM), (4.0, Severity.MEDIUM), (3.9, Severity.LOW), (0.1, Severity.LOW),
    (0.0, Severity.INFO),
])
def test_band_boundaries(score: float, severity: Severity) -> None:
    assert band(score) is severity


def test_band_table_is_as_documented() -> None:
    assert CVSS_BANDS == ((9.0, Severity.CRITICAL), (7.0, Severity.HIGH), (4.0, Severity.MEDIUM),
                          (0.1, Severity.LOW))


@pytest.mark.parametrize(("word", "severity"), [
    ("CRITICAL", Severity.CRITICAL), ("HIGH", Severity.HIGH), ("MODERATE", Severity.MEDIUM),
    ("MEDIUM", Severity.MEDIUM), ("LOW", Severity.LOW), ("moderate", Severity.MEDIUM),
])
def test_database_word_when_no_vector(word: str, severity: Severity) -> None:
    r = rate([], word)
    assert (r.severity, r.source, r.score) == (severity, "database", None)


def test_database_words_table_is_complete() -> None:
    assert set(DATABASE_WORDS) == {"CRITICAL", "HIGH", "MODERATE", "MEDIUM", "LOW"}


def test_nothing_usable_gives_the_default_high() -> None:
    r = rate([], None)
    assert (r.severity, r.source) == (DEFAULT_SEVERITY, "default")
    assert DEFAULT_SEVERITY is Severity.HIGH
    assert rate([], "UNKNOWN-WORD").source == "default"


@pytest.mark.parametrize(("kind", "vector"), [
    ("CVSS_V3", "CVSS:3.1/AV:N/AC:L"),  # incomplete
    ("CVSS_V3", "not a vector"),
    ("CVSS_V3", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"),  # type/vector disagree
    ("CVSS_V4", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
    ("CVSS_V2", "AV:N/AC:L/Au:N/C:P/I:P/A:P"),  # not used
    ("CVSS_V4", "CVSS:4.0/AV:N"),
])
def test_unreadable_vectors_are_ignored(kind: str, vector: str) -> None:
    assert cvss_score(kind, vector) is None
    assert rate([(kind, vector)], "LOW").source == "database"
    assert rate([(kind, vector)], None).source == "default"


def test_highest_vector_wins_over_the_word() -> None:
    r = rate([("CVSS_V3", "CVSS:3.1/AV:N/AC:H/PR:L/UI:R/S:U/C:N/I:N/A:L"),
              ("CVSS_V4", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")], "LOW")
    assert (r.severity, r.score, r.source, r.word) == (Severity.CRITICAL, 9.3, "cvss_v4", "LOW")


def test_zero_score_falls_back_to_the_word_then_info() -> None:
    zero = ("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N")
    assert cvss_score(*zero) == 0.0
    assert rate([zero], "MODERATE").severity is Severity.MEDIUM
    r = rate([zero], None)
    assert (r.severity, r.source) == (Severity.INFO, "cvss_none")


def test_strongest_prefers_cvss_evidence_over_words_and_default() -> None:
    pysec = rate([], None)  # PYSEC records carry no severity
    ghsa = rate([("CVSS_V3", "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N")], "MODERATE")
    assert strongest([pysec, ghsa]) == ghsa
    assert strongest([rate([], "LOW"), pysec]).source == "database"
    assert strongest([]).severity is DEFAULT_SEVERITY
