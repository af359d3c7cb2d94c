"""One finding per secret found in history: where it first appeared, the last commit that touched it, every
path that held it, and whether HEAD still has it (the report's coverage of the walk is in ``coverage``)."""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from secscan.analyzers.history.scan import LARGE, MISSING, HistoryScan
from secscan.core.model import Finding, Location
from secscan.core.provenance import HistoryInfo, Place

SOURCE = "secscan-history"
MAX_PLACES = 100  # places listed per finding (the count says how many there are)


@dataclass(frozen=True)
class _Seen:
    """One blob that holds the secret, at one line."""

    oid: str
    first: int
    last: int
    line: int
    end_line: int


def _iso(when: int) -> str:
    return datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def findings(hist: HistoryScan, since: str | None = None) -> list[Finding]:
    """The secrets of the scanned blobs, one finding per (rule, secret hash), oldest first."""
    groups: dict[tuple[str, str], list[tuple[_Seen, Finding]]] = defaultdict(list)
    for oid, found in hist.blobs.found.items():
        places = hist.walk.blobs[oid]
        for f in found:
            loc = f.location
            line = loc.start_line or 0 if loc else 0
            end = (loc.end_line or line) if loc else line
            seen = _Seen(oid, places.first, places.last, line, end)
            groups[(f.rule_id, f.secret_hash or "")].append((seen, f))
    out = [_one(hist, members, since) for members in groups.values()]
    return sorted(out, key=lambda f: (f.history.first_commit_index if f.history else 0, f.rule_id))


def _one(hist: HistoryScan, members: list[tuple[_Seen, Finding]], since: str | None) -> Finding:
    members.sort(key=lambda m: (m[0].first, m[0].oid, m[0].line))
    first, sample = members[0]
    last = max(m[0].last for m in members)
    walk = hist.walk
    path = walk.blobs[first.oid].paths[0]
    first_sha, first_when = walk.commit(first.first)
    last_sha, last_when = walk.commit(last)
    at_head = any(m[0].oid in hist.at_head for m in members)
    places = _places(hist, [m[0] for m in members])
    paths = sorted({p for m in members for p in walk.blobs[m[0].oid].paths})
    info = HistoryInfo(first_sha, _iso(first_when), last_sha, _iso(last_when), tuple(paths[:MAX_PLACES]),
                       len(paths), len({m[0].oid for m in members}), at_head, first.first,
                       after=since)  # only commits after --changed-since REF were read: all of it is new
    where = "still present at HEAD" if at_head else "no longer at HEAD (history only)"
    message = (f"{sample.title} in git history: first in commit {first_sha[:12]} ({path}:{first.line}), "
               f"last touched in {last_sha[:12]}; {where}; {len(paths)} path(s) (value masked)")
    key = f"history\x1f{sample.rule_id}\x1f{sample.secret_hash or ''}"
    return sample.with_(location=Location(path, first.line, first.end_line), message=message,
                        sources=(SOURCE,), history=info, places=places, place_count=_count(hist, members),
                        fingerprint=hashlib.sha256(key.encode()).hexdigest()[:32])


def _pairs(hist: HistoryScan, seen: Sequence[_Seen]) -> list[tuple[str, int, int, str]]:
    """(path, line, end line, commit) of every path each blob was added at, oldest blob first."""
    out, done = [], set()
    for s in seen:
        sha = hist.walk.commit(s.first)[0]
        for path in hist.walk.blobs[s.oid].paths:
            if (path, s.line) not in done:
                done.add((path, s.line))
                out.append((path, s.line, s.end_line, sha))
    return out


def _places(hist: HistoryScan, seen: Sequence[_Seen]) -> tuple[Place, ...]:
    return tuple(Place(p, line, end, commit=sha) for p, line, end, sha in _pairs(hist, seen)[:MAX_PLACES])


def _count(hist: HistoryScan, members: list[tuple[_Seen, Finding]]) -> int:
    return len(_pairs(hist, [m[0] for m in members]))


def coverage(hist: HistoryScan) -> dict[str, int]:
    """Counts of the walk: commits, blobs, what was read, cached, skipped."""
    kinds = Counter(hist.blobs.kinds.values())
    return {"commits": len(hist.walk.commits), "blobs": len(hist.walk.blobs),
            "blobs_scanned": kinds["scanned"] + kinds["decoded"], "blobs_from_cache": hist.blobs.from_cache,
            "blobs_skipped_binary": kinds["skipped_binary"],
            "blobs_skipped_minified": kinds["skipped_minified"],
            "blobs_skipped_large": kinds[LARGE], "blobs_missing": kinds[MISSING],
            "bytes_read": hist.blobs.bytes_read}


def gaps(hist: HistoryScan, shown: int = 5) -> list[str]:
    """Why the walk did not cover everything (empty: it did): a shallow clone, blobs too large or absent."""
    out = []
    if hist.shallow is not None:
        out.append(f"shallow clone: history is cut at depth {hist.shallow} (commits before it were not read; "
                   f"`git fetch --unshallow` to scan them)")
    for kind, what in ((LARGE, "too large to read (history_max_blob_size)"),
                       (MISSING, "absent from the clone")):
        oids = sorted(o for o, k in hist.blobs.kinds.items() if k == kind)
        if oids:
            blobs = [hist.walk.blobs[o] for o in oids[:shown]]
            named = ", ".join(f"{b.paths[0]}@{hist.walk.commit(b.first)[0][:12]}" for b in blobs)
            more = f" (+{len(oids) - shown} more)" if len(oids) > shown else ""
            out.append(f"{len(oids)} blob(s) {what}: {named}{more}")
    return out
