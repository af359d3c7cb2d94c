"""Severity of an OSV record: CVSS vectors scored with the ``cvss`` package, else the database's word.

Order of evidence: the highest base score among the record's ``CVSS_V3`` / ``CVSS_V4`` vectors
(:data:`CVSS_BANDS`); when there is no readable vector, or the score is 0.0, the
``database_specific.severity`` word (:data:`DATABASE_WORDS`, GitHub's scale); else
:data:`DEFAULT_SEVERITY` with source "default" (an unrated advisory must not read as harmless).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from cvss import CVSS3, CVSS4
from cvss.exceptions import CVSSError

from secscan.core.model import Severity

#: Lowest CVSS base score of each band (CVSS v3.1 / v4.0 qualitative scale); a score of 0.0 is "none".
CVSS_BANDS: tuple[tuple[float, Severity], ...] = (
    (9.0, Severity.CRITICAL),
    (7.0, Severity.HIGH),
    (4.0, Severity.MEDIUM),
    (0.1, Severity.LOW),
)

#: ``database_specific.severity`` words (GitHub: CRITICAL/HIGH/MODERATE/LOW) -> Severity.
DATABASE_WORDS: dict[str, Severity] = {
    "CRITICAL": Severity.CRITICAL,
    "HIGH": Severity.HIGH,
    "MODERATE": Severity.MEDIUM,
    "MEDIUM": Severity.MEDIUM,
    "LOW": Severity.LOW,
}

#: Severity of a record that says nothing usable about its severity.
DEFAULT_SEVERITY = Severity.HIGH

#: How a severity was decided, per source, from strongest to weakest evidence.
SOURCE_RANK = {"cvss_v4": 3, "cvss_v3": 3, "database": 2, "cvss_none": 1, "default": 0}


@dataclass(frozen=True)
class Rating:
    """A severity and where it came from."""

    severity: Severity
    source: str  # "cvss_v3", "cvss_v4", "database", "cvss_none", "default"
    score: float | None = None
    vector: str | None = None
    word: str | None = None


@lru_cache(maxsize=16384)
def cvss_score(kind: str, vector: str) -> float | None:
    """The base score of a CVSS_V3 or CVSS_V4 vector, or None when it cannot be read."""
    try:
        if kind == "CVSS_V3" and vector.startswith("CVSS:3."):
            return float(CVSS3(vector).scores()[0])
        if kind == "CVSS_V4" and vector.startswith("CVSS:4."):
            return float(CVSS4(vector).scores()[0])
    except (CVSSError, ValueError, KeyError, IndexError, TypeError):
        return None
    return None


def band(score: float) -> Severity:
    """The severity band of a CVSS base score (0.0 -> INFO)."""
    for low, sev in CVSS_BANDS:
        if score >= low:
            return sev
    return Severity.INFO


def rate(severity_entries: Iterable[tuple[str, str]], database_word: str | None) -> Rating:
    """Rate a record from its (type, vector) severity entries and its database word."""
    best: tuple[float, str, str] | None = None
    for kind, vector in severity_entries:
        score = cvss_score(kind, vector)
        if score is not None and (best is None or score > best[0]):
            best = (score, kind, vector)
    word = database_word.strip().upper() if database_word else None
    if best is not None and best[0] > 0:
        score, kind, vector = best
        return Rating(band(score), kind.lower(), score, vector, word)
    if word in DATABASE_WORDS:
        score0, vector0 = (best[0], best[2]) if best else (None, None)
        return Rating(DATABASE_WORDS[word], "database", score0, vector0, word)
    if best is not None:
        return Rating(Severity.INFO, "cvss_none", best[0], best[2], word)
    return Rating(DEFAULT_SEVERITY, "default", None, None, word)


def strongest(ratings: Iterable[Rating]) -> Rating:
    """The rating backed by the strongest evidence; the highest severity among equals."""
    items = list(ratings)
    if not items:
        return Rating(DEFAULT_SEVERITY, "default")
    return max(items, key=lambda r: (SOURCE_RANK.get(r.source, 0), r.severity, r.score or 0.0))
