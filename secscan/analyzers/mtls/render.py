"""Readable text for an mTLS result (pure: builds strings, prints nothing)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from secscan.core.model import Finding, Parsed


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return [fmt.format(*headers).rstrip(), *(fmt.format(*r).rstrip() for r in cells)]


def _self_test(ev: Mapping[str, Any]) -> list[str]:
    lines = [f"mTLS self-test: {ev.get('passed')}/{ev.get('total')} cases as required in "
             f"{ev.get('duration_s')} s (PKI {ev.get('pki_s')} s)",
             f"client {ev.get('openssl_client')}, server {ev.get('openssl_server')}; "
             f"{ev.get('protocol')} {ev.get('cipher')}", ""]
    rows = [("PASS" if c["passed"] else "FAIL", c["case"], c["expected"], c["observed"], c["how"],
             c["version"], c["handshake_ms"], c["total_ms"]) for c in ev.get("cases", [])]
    lines += _table(("", "case", "expected", "observed", "how", "version", "handshake ms", "total ms"), rows)
    return lines


def _chain(chain: Sequence[Mapping[str, Any]]) -> list[str]:
    lines = ["", "server chain:"]
    for i, c in enumerate(chain):
        sans = [f"DNS:{d}" for d in c["dns_names"]] + [f"IP:{a}" for a in c["ip_addresses"]]
        sans += [f"URI:{u}" for u in c["uris"]]
        key = f"{c['key_type']} {c['key_size'] or '?'}" + (f" ({c['curve']})" if c.get("curve") else "")
        lines.append(f"  [{i}] {c['subject']}  issuer {c['issuer']}")
        lines.append(f"      key {key}; signature {c['signature_algorithm']}; expires {c['not_after']} "
                     f"({c['days_to_expiry']} days)")
        if sans:
            lines.append(f"      SANs: {' '.join(sans)}")
    return lines


def _target(ev: Mapping[str, Any]) -> list[str]:
    lines = [f"mTLS check of {ev.get('target')} (server name {ev.get('server_name')}) "
             f"in {ev.get('duration_s')} s",
             f"protocol {ev.get('protocol')}, cipher {ev.get('cipher')}, group {ev.get('group')}; server "
             f"certificate {'verified' if ev.get('server_verified') else 'NOT verified'}", ""]
    rows = [(p["label"], p["outcome"], p["how"], p["version"], p["cipher"], p["group"], p["handshake_ms"],
             p["total_ms"]) for p in ev.get("probes", [])]
    headers = ("probe", "outcome", "how", "version", "cipher", "group", "handshake ms", "total ms")
    lines += _table(headers, rows)
    if ev.get("server_chain"):
        lines += _chain(ev["server_chain"])
    if ev.get("spiffe_ids"):
        lines.append(f"SPIFFE IDs: {', '.join(ev['spiffe_ids'])}")
    pq = ev.get("pq")
    if pq:
        word = "negotiated" if pq["negotiated"] else "NOT negotiated"
        lines.append(f"post-quantum: offered only {', '.join(pq['offered'])}: {word} ({pq['how']})")
    return lines


def _findings(findings: Sequence[Finding]) -> list[str]:
    if not findings:
        return ["", "findings: none"]
    lines = ["", f"findings ({len(findings)}):"]
    for f in sorted(findings, key=lambda f: -f.severity):
        lines.append(f"  {f.severity.label.upper():<8} {f.rule_id}: {f.title}")
        lines.append(f"           {f.message}")
        if f.remediation:
            lines.append(f"           fix: {f.remediation}")
    return lines


def render_text(parsed: Parsed) -> str:
    """The evidence table, findings and status as plain text."""
    ev = parsed.evidence or {}
    lines: list[str] = []
    if ev.get("mode") == "self-test":
        lines += _self_test(ev)
    elif ev.get("mode") == "target":
        lines += _target(ev)
    lines += _findings(parsed.findings)
    lines.append("")
    lines.append(f"status: {parsed.status.value}" + (f" ({parsed.reason})" if parsed.reason else ""))
    return "\n".join(lines)
