"""Findings, scanner outcomes and results as JSON-ready dicts and back: the shape of the JSON report
(schema_version "1"), shared by the report format, the cache and ``secscan merge``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from secscan.core.model import (
    Action,
    CanaryState,
    Category,
    ConfigSetting,
    Configuration,
    Finding,
    Gate,
    Location,
    Package,
    Result,
    ScannerResult,
    Severity,
    SkipCause,
    Status,
    Suppression,
    Trust,
)
from secscan.core.provenance import HistoryInfo, MergedSource, NativeMarker, Place, TaintTrace
from secscan.core.shard import read_shard_note

SCHEMA_VERSION = "1"
CATEGORY_VALUES = frozenset(c.value for c in Category)


def _location(loc: Location | None) -> dict[str, Any] | None:
    if loc is None:
        return None
    out: dict[str, Any] = {"path": loc.path, "start_line": loc.start_line, "end_line": loc.end_line}
    if loc.image:
        out["image"] = loc.image
    if loc.layer:
        out["layer"] = loc.layer
    return out


def finding_to_dict(f: Finding) -> dict[str, Any]:
    """One finding as the contract shows it (plus compatible extensions)."""
    out: dict[str, Any] = {
        "fingerprint": f.fingerprint,
        "rule_id": f.rule_id,
        "title": f.title,
        "message": f.message,
        "severity": f.severity.label,
        "raw_severity": f.raw_severity,
        "category": f.category.value,
        "sources": list(f.sources),
        "location": _location(f.location),
        "package": None
        if f.package is None
        else {
            "name": f.package.name,
            "version": f.package.version,
            "fixed_versions": list(f.package.fixed_versions),
            "ecosystem": f.package.ecosystem,
            "manifest": f.package.manifest,
        },
        "identifiers": list(f.identifiers),
        "suppressed": f.suppressed,
        "remediation": f.remediation,
        "pre_existing": f.pre_existing,
        "suppression": None
        if f.suppression is None
        else {
            "kind": f.suppression.kind,
            "reason": f.suppression.reason,
            "owner": f.suppression.owner,
            "expires": f.suppression.expires,
            "expired": f.suppression.expired,
            **({"source": f.suppression.source} if f.suppression.source else {}),
        },
        "snippet": f.snippet,
        "secret": None
        if f.secret_hash is None and f.secret_mask is None
        else {"mask": f.secret_mask, "hash": f.secret_hash},
        "properties": properties_to_dict(f),
    }
    if f.superseded_by:
        out["superseded_by"] = f.superseded_by
    out["context"] = f.context
    if f.out_of_gate:
        out["out_of_gate"] = f.out_of_gate
    return out


def scanner_to_dict(s: ScannerResult) -> dict[str, Any]:
    """One scanner entry."""
    out: dict[str, Any] = {
        "name": s.name,
        "status": s.status.value,
        "version": s.version,
        "duration_s": round(s.duration_s, 3),
        "reason": s.reason,
        "findings": s.findings,
        "coverage": dict(s.coverage),
        "canary": s.canary.value if s.canary else None,
        "required": s.required,
        "incomplete": s.incomplete,
        "categories": [c.value for c in s.categories],
        "executable": s.executable,
        "cached": s.cached,
        "skip_cause": s.skip.value if s.skip else None,
    }
    if s.tool is not None:
        out["tool"] = s.tool
    if s.imported_from is not None:
        out["imported_from"] = s.imported_from
    if s.evidence is not None:
        out["evidence"] = dict(s.evidence)
    return out


def configuration_to_dict(c: Configuration) -> dict[str, Any]:
    """The configuration in effect (the report's optional ``configuration``)."""
    return {
        "trust_tree_config": c.trust_tree_config,
        "strict": c.strict,
        "reference": c.reference,
        "files": dict(c.files),
        "settings": [
            {"name": s.name, "value": s.value, "source": s.source, "trust": s.trust.value, "status": s.status,
             "reason": s.reason, "change": s.change, "file": s.file, "line": s.line}
            for s in c.settings
        ],
    }


def configuration_from_dict(d: Mapping[str, Any]) -> Configuration:
    """The configuration back from its JSON form."""
    settings = tuple(
        ConfigSetting(s["name"], s.get("value"), s["source"], Trust(s["trust"]), s.get("status", "applied"),
                      s.get("reason"), s.get("change"), s.get("file"), s.get("line"))
        for s in d.get("settings") or ()
    )
    return Configuration(settings, bool(d.get("trust_tree_config")), bool(d.get("strict")),
                         d.get("reference"), dict(d.get("files") or {}))


def to_dict(r: Result) -> dict[str, Any]:
    """The whole report as a JSON-ready dict."""
    out = _report(r)
    if r.shard is not None:
        out["shard"] = {"index": r.shard[0], "total": r.shard[1]}
    if r.configuration is not None:
        out["configuration"] = configuration_to_dict(r.configuration)
    return out


def _report(r: Result) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "secscan_version": r.secscan_version,
        "target": r.target,
        "run_id": r.run_id,
        "started_at": r.started_at,
        "duration_s": round(r.duration_s, 3),
        "incomplete": r.gate.incomplete,
        "scanners": [scanner_to_dict(s) for s in r.scanners],
        "findings": [finding_to_dict(f) for f in r.findings],
        "summary": {
            "counts": r.counts,
            "gate": {
                "fail_on": r.gate.fail_on,
                "passed": r.gate.passed,
                "exit_code": r.gate.exit_code,
                "reasons": list(r.gate.reasons),
                "incomplete": r.gate.incomplete,
            },
            "actions": [
                {"action": a.action, "severity": a.severity.label, "clears": list(a.clears)}
                for a in r.actions
            ],
            "stale_suppressions": [dict(s) for s in r.stale_suppressions],
            "not_audited": r.not_audited,
            "out_of_gate": _out_of_gate(r),
            "suppressed": {
                "total": sum(1 for f in r.findings if f.suppressed),
                "inline_marker_without_reason": sum(1 for f in r.findings if f.suppressed and f.suppression
                                                    and f.suppression.source),
            },
        },
        "notes": list(r.notes),
        **({"components": [{"name": c.name, "version": c.version, "ecosystem": c.ecosystem,
                            "manifest": c.manifest} for c in r.components]} if r.components else {}),
    }


def _out_of_gate(r: Result) -> dict[str, Any]:
    """Reported findings the gate leaves out by their code context: how many, by context."""
    by: dict[str, int] = {}
    for f in r.findings:
        if f.out_of_gate and f.counts_for_gate:
            by[f.context] = by.get(f.context, 0) + 1
    return {"total": sum(by.values()), "by_context": by}


PROVENANCE_KEYS = ("severity_source", "merged_from", "native_marker", "legacy_fingerprint", "taint", "places",
                   "place_count", "history")


def properties_to_dict(f: Finding) -> dict[str, Any]:
    """The report's ``properties``: the finding's own and its provenance (core/provenance.py) under the keys
    reports have always used."""
    out = dict(f.properties)
    if f.severity_source is not None:
        out["severity_source"] = f.severity_source
    if f.merged_from:
        out["merged_from"] = [m.to_dict() for m in f.merged_from]
    if f.native_marker is not None:
        out["native_marker"] = f.native_marker.to_dict()
    if f.legacy_fingerprint is not None:
        out["legacy_fingerprint"] = f.legacy_fingerprint
    if f.taint is not None:
        out["taint"] = f.taint.to_dict()
    if f.places:
        out["places"] = [p.to_dict() for p in f.places]
    if f.place_count:
        out["place_count"] = f.place_count
    if f.history is not None:
        out["history"] = f.history.to_dict()
    return out


def provenance_from(props: Mapping[str, Any]) -> dict[str, Any]:
    """Finding keyword arguments from a report's ``properties``: the provenance fields, and the rest."""
    source, legacy = props.get("severity_source"), props.get("legacy_fingerprint")
    count = props.get("place_count")
    return {
        "severity_source": source if isinstance(source, str) else None,
        "merged_from": MergedSource.read_all(props.get("merged_from")),
        "native_marker": NativeMarker.read(props.get("native_marker")),
        "legacy_fingerprint": legacy if isinstance(legacy, str) else None,
        "taint": TaintTrace.read(props.get("taint")),
        "places": Place.read_all(props.get("places")),
        "place_count": count if isinstance(count, int) and not isinstance(count, bool) else 0,
        "history": HistoryInfo.read(props.get("history")),
        "properties": {k: v for k, v in props.items() if k not in PROVENANCE_KEYS},
    }


def finding_from_dict(d: Mapping[str, Any]) -> Finding:
    """One finding back from its JSON form (used by the report, the cache and merge)."""
    loc, pkg, sup, sec = d.get("location"), d.get("package"), d.get("suppression"), d.get("secret") or {}
    return Finding(
        **provenance_from(d.get("properties") or {}),
        rule_id=d["rule_id"],
        title=d["title"],
        message=d["message"],
        severity=Severity.from_label(d["severity"]),
        raw_severity=d["raw_severity"],
        category=Category(d["category"]),
        sources=tuple(d["sources"]),
        location=None
        if loc is None
        else Location(
            loc["path"], loc.get("start_line"), loc.get("end_line"), loc.get("image"), loc.get("layer")
        ),
        package=None
        if pkg is None
        else Package(
            pkg["name"],
            pkg.get("version"),
            tuple(pkg.get("fixed_versions") or ()),
            pkg.get("ecosystem"),
            pkg.get("manifest"),
        ),
        identifiers=tuple(d.get("identifiers") or ()),
        fingerprint=d["fingerprint"],
        suppressed=bool(d.get("suppressed")),
        pre_existing=bool(d.get("pre_existing")),
        suppression=None
        if not sup
        else Suppression(
            sup["kind"], sup["reason"], sup.get("owner"), sup.get("expires"), bool(sup.get("expired")),
            sup.get("source")
        ),
        remediation=d.get("remediation"),
        snippet=d.get("snippet"),
        secret_hash=sec.get("hash"),
        secret_mask=sec.get("mask"),
        superseded_by=d.get("superseded_by"),
        context=d.get("context") or "product",
        out_of_gate=d.get("out_of_gate"),
    )


def scanner_from_dict(d: Mapping[str, Any]) -> ScannerResult:
    return ScannerResult(
        name=d["name"],
        status=Status(d["status"]),
        version=d.get("version"),
        duration_s=float(d.get("duration_s") or 0.0),
        reason=d.get("reason"),
        findings=int(d.get("findings", 0)),
        coverage=dict(d.get("coverage") or {}),
        evidence=d.get("evidence"),
        canary=CanaryState.read(d.get("canary")),
        required=bool(d.get("required")),
        categories=tuple(Category(c) for c in d.get("categories") or () if c in CATEGORY_VALUES),
        executable=d.get("executable"),
        cached=bool(d.get("cached")) or "(cached)" in str(d.get("canary") or ""),
        skip=_skip_cause(d),
        **_origin(d),
    )


def _skip_cause(d: Mapping[str, Any]) -> SkipCause | None:
    """The skip cause; reports older than the field said "no ..." for nothing to scan."""
    if d.get("skip_cause"):
        return SkipCause(d["skip_cause"])
    if d.get("status") == Status.SKIPPED.value and str(d.get("reason") or "").startswith("no "):
        return SkipCause.NOTHING_TO_SCAN
    return None


def _origin(d: Mapping[str, Any]) -> dict[str, str | None]:
    """``tool`` and ``imported_from`` of an entry (read from an older report's name when absent)."""
    tool, origin = _legacy_import(d)
    return {"tool": d.get("tool") or tool, "imported_from": d.get("imported_from") or origin}


def _legacy_import(d: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(tool, file) of an imported entry in a report older than those fields ("bandit (import x.json)")."""
    name, evidence = str(d.get("name") or ""), d.get("evidence") or {}
    if " (import " not in name or "tool" in d:
        return None, None
    origin = evidence.get("imported_from") if isinstance(evidence, dict) else None
    return name.split(" (import ", 1)[0], origin


def result_from_dict(data: Mapping[str, Any]) -> Result:
    """A whole result back from its JSON form (not validated: see formats.json_report.from_dict)."""
    summary = data["summary"]
    g = summary["gate"]
    return Result(
        target=data["target"],
        started_at=data["started_at"],
        duration_s=float(data["duration_s"]),
        scanners=tuple(scanner_from_dict(s) for s in data["scanners"]),
        findings=tuple(finding_from_dict(f) for f in data["findings"]),
        gate=Gate(
            g["fail_on"],
            g["passed"],
            g["exit_code"],
            tuple(g.get("reasons") or ()),
            bool(g.get("incomplete", data.get("incomplete", False))),
        ),
        actions=tuple(
            Action(a["action"], Severity.from_label(a["severity"]), tuple(a["clears"]))
            for a in summary.get("actions") or ()
        ),
        secscan_version=data.get("secscan_version", ""),
        notes=tuple(data.get("notes") or ()),
        stale_suppressions=tuple(summary.get("stale_suppressions") or ()),
        not_audited=int(summary.get("not_audited") or 0),
        components=tuple(Package(c["name"], c.get("version"), ecosystem=c.get("ecosystem"),
                                 manifest=c.get("manifest")) for c in data.get("components") or ()),
        run_id=data.get("run_id", ""),
        configuration=configuration_from_dict(data["configuration"]) if data.get("configuration") else None,
        shard=_shard(data),
    )


def _shard(data: Mapping[str, Any]) -> tuple[int, int] | None:
    """(I, N) of a shard result; reports older than the field said so only in a note."""
    if isinstance(data.get("shard"), dict):
        return int(data["shard"]["index"]), int(data["shard"]["total"])
    return next((s for n in data.get("notes") or () if (s := read_shard_note(str(n))) is not None), None)
