"""``secscan merge``: combine results (CI shards) into one, with duplicates merged and health combined."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from secscan.core.model import CanaryState, Finding, Result, ScannerResult, Status
from secscan.core.shard import read_shard_note
from secscan.core.version import __version__
from secscan.results.dedup import merge, sort_findings
from secscan.results.gate import evaluate
from secscan.scanners.status import worst


def combine_scanners(entries: Sequence[ScannerResult]) -> ScannerResult:
    """One entry from the same scanner in several results: the least complete status that really ran."""
    ran = [e for e in entries if e.status is not Status.SKIPPED]
    if not ran:
        return entries[0]
    status = worst([e.status for e in ran])
    coverage: dict[str, int] = {}
    for e in ran:
        for k, v in e.coverage.items():
            coverage[k] = coverage.get(k, 0) + v
    reasons = [e.reason for e in ran if e.reason and e.status is not Status.OK]
    canaries = {e.canary for e in ran}
    canary = CanaryState.MISSING if CanaryState.MISSING in canaries else (
        ran[0].canary if len(canaries) == 1 else CanaryState.MIXED)
    return ScannerResult(
        name=entries[0].name, status=status, version=next((e.version for e in ran if e.version), None),
        duration_s=max(e.duration_s for e in ran), reason="; ".join(dict.fromkeys(reasons)) or None,
        findings=sum(e.findings for e in ran), coverage=coverage,
        evidence=next((e.evidence for e in ran if e.evidence), None), canary=canary,
        required=any(e.required for e in entries),
        categories=tuple(sorted({c for e in entries for c in e.categories})),
        executable=next((e.executable for e in ran if e.executable), None),
        cached=all(e.cached for e in ran), tool=entries[0].tool, imported_from=entries[0].imported_from)


SHARDS = "shards"
NO_CANARY = CanaryState.NOT_APPLICABLE


def shard_check(results: Sequence[Result]) -> ScannerResult | None:
    """When the inputs are shards (their notes say ``shard I/N``): failed unless each of 1..N is there once,
    so a merge of 3 of 4 parts never reads as a complete scan. None when no input is a shard."""
    seen = [r.shard for r in results]
    if all(s is None for s in seen):
        return None
    totals = {s[1] for s in seen if s is not None}
    indexes = [s[0] for s in seen if s is not None]
    problems = []
    if len(totals) > 1:
        problems.append(f"shards of different splits ({', '.join(f'/{t}' for t in sorted(totals))})")
    if None in seen:
        problems.append(f"{seen.count(None)} input(s) are not shards")
    total = max(totals)
    missing = sorted(set(range(1, total + 1)) - set(indexes))
    if missing:
        problems.append(f"missing shard(s) {', '.join(f'{i}/{total}' for i in missing)}")
    twice = sorted({i for i in indexes if indexes.count(i) > 1})
    if twice:
        problems.append(f"shard(s) given more than once: {', '.join(f'{i}/{total}' for i in twice)}")
    coverage = {"shards_expected": total, "shards_merged": len(set(indexes))}
    if not problems:
        return ScannerResult(SHARDS, Status.OK, None, 0.0, None, 0, coverage, canary=NO_CANARY)
    why = "merge of shards is incomplete: " + "; ".join(problems)
    return ScannerResult(SHARDS, Status.FAILED, None, 0.0, why, 0, coverage, canary=NO_CANARY,
                         required=True)


def combine(results: Sequence[Result], fail_on: str | None = None, allow_incomplete: bool = False) -> Result:
    """Merge several results into one."""
    by_fp: dict[str, Finding] = {}
    for r in results:
        for f in r.findings:
            by_fp.setdefault(f.fingerprint, f)
    findings = sort_findings(merge(by_fp.values()))
    names: dict[str, list[ScannerResult]] = {}
    for r in results:
        for s in r.scanners:
            names.setdefault(s.name, []).append(s)
    scanners = [combine_scanners(v) for v in names.values()]
    shards = shard_check(results)
    if shards is not None:
        scanners.append(shards)
    threshold = fail_on or results[0].gate.fail_on
    gate = evaluate(findings, scanners, threshold, allow_incomplete)
    notes = tuple(dict.fromkeys(n for r in results for n in r.notes if read_shard_note(n) is None))
    stale_keys = [tuple(sorted(s.items())) for r in results for s in r.stale_suppressions]
    common = [dict(k) for k in dict.fromkeys(stale_keys) if stale_keys.count(k) == len(results)]
    from secscan.results.triage import NOT_JUDGED, stale_notes

    if shards is not None and shards.status is Status.OK:  # every part of one split: judged as a whole
        notes = (*(n for n in notes if NOT_JUDGED not in n), *stale_notes(common))
    from secscan.results.remediation import top_actions

    return Result(
        target=results[0].target, started_at=min(r.started_at for r in results),
        duration_s=max(r.duration_s for r in results), scanners=tuple(scanners), findings=tuple(findings),
        gate=gate, actions=tuple(top_actions(findings)), secscan_version=__version__,
        notes=(*notes, f"merged from {len(results)} result(s) at "
                       f"{datetime.now(UTC).isoformat(timespec='seconds')}"),
        stale_suppressions=tuple(common), run_id=str(uuid.uuid4()),
        configuration=next((r.configuration for r in results if r.configuration is not None), None),
        components=tuple(dict.fromkeys(c for r in results for c in r.components)))
