"""Which skips CI accepts: the reasons the README lists as impossible on this machine kind.

A skip reason that is accepted starts with one of the README's tags (`[docker]`, `[trivy]`, ...). Tags
listed with a condition ("only where ../shared/liboqs is absent") are accepted only while that holds.
With ``SECSCAN_STRICT_SKIPS=1`` (set by ``.ci/run``) any other skip fails the test run.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
SECTION = "### Tests that may skip"
TAG = re.compile(r"^- `\[([a-z-]+)\]`")
# tags whose reason is only impossible when this material is absent
CONDITIONS = {"liboqs": SHARED / "liboqs" / "lib", "shared": SHARED}


def listed_tags(readme: Path = ROOT / "README.md") -> set[str]:
    """The tags of the README's list of reasons a test may skip."""
    text = readme.read_text("utf-8")
    if SECTION not in text:
        return set()
    body = text.split(SECTION, 1)[1].split("\n#", 1)[0]
    return {m.group(1) for line in body.splitlines() if (m := TAG.match(line.strip()))}


def accepted_tags(readme: Path = ROOT / "README.md") -> set[str]:
    """Listed tags whose condition holds on this machine."""
    return {t for t in listed_tags(readme) if t not in CONDITIONS or not CONDITIONS[t].exists()}


def tag_of(reason: str) -> str | None:
    """The tag a skip reason starts with (after pytest's 'Skipped: ' prefix), if any."""
    m = re.match(r"(?:Skipped: )?\[([a-z-]+)\]", reason.strip())
    return m.group(1) if m else None


def judge(reasons: Iterable[str], accepted: set[str]) -> tuple[str, list[str]]:
    """One summary line, and the reasons CI does not accept."""
    counts = Counter(reasons)
    refused = sorted(r for r in counts if tag_of(r) not in accepted)
    total = sum(counts.values())
    by_tag = Counter()  # type: Counter[str]
    for reason, n in counts.items():
        by_tag[tag_of(reason) or "unlisted"] += n
    shown = ", ".join(f"{tag} {n}" for tag, n in sorted(by_tag.items())) or "none"
    return f"skips: {total} ({shown})", refused
