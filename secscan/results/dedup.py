"""Merge duplicates that several tools (or one tool twice) report.

- dependencies: same package name and version, and advisories sharing any id or alias;
- secrets: same file and line, and the same value (hash), or each the only one its tool reports there
  (tools cut some secrets differently, e.g. a PEM key's first line or its whole block);
- code findings: same file and line, and the same rule, or the same weakness reported by different tools
  (rules/equivalence.yaml first, then a shared CWE); two rules of one tool are never merged;
- a hard-coded credential rule and a secret finding at the same place are one finding with both sources;
- vendor bundle advisories (DSA-..., RHSA-...) never merge distinct CVEs.
The merged finding keeps the highest severity, every source, and the union of identifiers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cache

from secscan.core.model import Category, Finding, Package
from secscan.core.provenance import DEFAULT_SEVERITY, MergedSource
from secscan.core.resources import load_yaml, rules_path


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


# Vendor bundle advisories (one Debian or Red Hat advisory fixes several CVEs): never a reason to merge.
_BUNDLE_ID = re.compile(r"^(DSA|DLA|DTSA|RHSA|RHBA|RHEA|USN|ALAS\d*|ALSA|ELSA|RLSA|CESA|OESA|SUSE-SU|"
                        r"OPENSUSE-SU|GLSA|FEDORA|MGASA|ASA|AVD)-", re.I)


def _advisory_ids(f: Finding) -> set[str]:
    ids = {i.upper() for i in f.identifiers if not i.upper().startswith("CWE-")} | {f.rule_id.upper()}
    return {i for i in ids if not _BUNDLE_ID.match(i)}


def _same_advisory(a: Finding, b: Finding) -> bool:
    """A shared advisory id or alias, unless each names CVEs and none is shared (two vulnerabilities)."""
    ids_a, ids_b = _advisory_ids(a), _advisory_ids(b)
    cves_a, cves_b = {i for i in ids_a if i.startswith("CVE-")}, {i for i in ids_b if i.startswith("CVE-")}
    if cves_a and cves_b and not cves_a & cves_b:
        return False
    return bool(ids_a & ids_b)


def _cwes(f: Finding) -> set[str]:
    return {i.upper() for i in f.identifiers if i.upper().startswith("CWE-")}


@cache
def equivalence() -> dict[str, frozenset[str]]:
    """rule id (or "category:secret") -> the names of the weakness groups it belongs to (rules/)."""

    data = load_yaml(rules_path("equivalence.yaml").read_text("utf-8")) or {}
    out: dict[str, set[str]] = {}
    for group, rules in (data.get("groups") or {}).items():
        for rule in rules:
            out.setdefault(str(rule), set()).add(str(group))
    return {k: frozenset(v) for k, v in out.items()}


def _weakness(f: Finding) -> frozenset[str]:
    table = equivalence()
    key = "category:secret" if f.category is Category.SECRET else f.rule_id
    return table.get(key, frozenset())


def _link(uf: _UnionFind, items: Sequence[Finding]) -> None:
    by_pkg: dict[tuple[str, str, str, str], list[int]] = {}
    by_place: dict[tuple[str, int], list[int]] = {}
    for i, f in enumerate(items):
        if f.package is not None:
            image = (f.location.image or "") if f.location else ""
            key = (image, f.package.name.lower().replace("_", "-"), f.package.version or "", f.category.value)
            by_pkg.setdefault(key, []).append(i)
        elif f.location is not None and f.location.start_line is not None:
            by_place.setdefault((f.location.path, f.location.start_line), []).append(i)
    for idxs in by_pkg.values():
        for a_pos, a in enumerate(idxs):
            for b in idxs[a_pos + 1 :]:
                if _same_advisory(items[a], items[b]):
                    uf.union(a, b)
    for idxs in by_place.values():
        secrets = [i for i in idxs if items[i].category is Category.SECRET]
        per_source = _per_source(items, secrets)
        for a_pos, a in enumerate(secrets):
            for b in secrets[a_pos + 1 :]:
                if _same_secret(items[a], items[b], per_source):
                    uf.union(a, b)
        _link_kinds(uf, items, secrets)
        _link_code(uf, items, idxs)


def _link_code(uf: _UnionFind, items: Sequence[Finding], idxs: Sequence[int]) -> None:
    """Code findings at one place: the same rule, or the same weakness from different tools (equivalence
    table first, then a shared CWE), never two different rules of one tool, also not through a third."""
    code = [i for i in idxs if items[i].category is not Category.SECRET]
    pairs = [(a, b) for a in code for b in idxs if a != b and (b not in code or a < b)]
    for test in (_same_rule, _equivalent, _shared_cwe):
        for a, b in pairs:
            if uf.find(a) != uf.find(b) and test(items[a], items[b]) and _compatible(uf, items, idxs, a, b):
                uf.union(a, b)


def _link_iac(uf: _UnionFind, items: Sequence[Finding]) -> None:
    """Infrastructure-as-code checks of different tools in one file: checkov spans a resource (a Kubernetes
    object, a Dockerfile's lines), Trivy names the line of the cause, or none for a whole-file check.
    Two equivalent rules (rules/equivalence.yaml) whose lines overlap, or where one has no line, are one
    finding."""
    by_path: dict[str, list[int]] = {}
    for i, f in enumerate(items):
        if f.category in (Category.IAC, Category.MISCONFIGURATION) and f.location and f.package is None:
            by_path.setdefault(f.location.path, []).append(i)
    for idxs in by_path.values():
        for a in idxs:
            for b in idxs:
                if (a < b and uf.find(a) != uf.find(b) and _equivalent(items[a], items[b])
                        and _overlap(items[a], items[b]) and _compatible(uf, items, idxs, a, b)):
                    uf.union(a, b)


def _overlap(a: Finding, b: Finding) -> bool:
    la, lb = a.location, b.location
    if la is None or lb is None or la.start_line is None or lb.start_line is None:
        return True
    return la.start_line <= (lb.end_line or lb.start_line) and lb.start_line <= (la.end_line or la.start_line)


def _same_rule(a: Finding, b: Finding) -> bool:
    return a.rule_id == b.rule_id and a.category is b.category


def _equivalent(a: Finding, b: Finding) -> bool:
    return not set(a.sources) & set(b.sources) and bool(_weakness(a) & _weakness(b))


def _shared_cwe(a: Finding, b: Finding) -> bool:
    return (b.category is not Category.SECRET and not set(a.sources) & set(b.sources)
            and bool(_cwes(a) & _cwes(b)))


def _compatible(uf: _UnionFind, items: Sequence[Finding], idxs: Sequence[int], a: int, b: int) -> bool:
    """Joining a's and b's groups keeps at most one code rule per tool."""
    roots = {uf.find(a), uf.find(b)}
    rules: dict[str, set[str]] = {}
    for i in idxs:
        f = items[i]
        if uf.find(i) in roots and f.category is not Category.SECRET:
            for src in f.sources:
                rules.setdefault(src, set()).add(f.rule_id)
    return all(len(r) <= 1 for r in rules.values())


# Kinds a secret's rule id names, to match one tool's finding with another's when their hashes differ
# (detect-secrets' GitHubTokenDetector hashes only the "ghp" prefix; tools cut PEM keys differently).
SECRET_KINDS = ("github", "gitlab", "stripe", "aws", "privatekey", "slack", "jwt", "sendgrid", "twilio",
                "npm", "pypi", "openai", "azure", "mailchimp", "discord", "telegram", "square", "artifactory",
                "cloudant", "softlayer", "ibm", "google")


def secret_kind(f: Finding) -> str | None:
    """The kind a secret finding's rule id names (None: generic, e.g. an entropy or keyword hit)."""
    word = "".join(ch for ch in f.rule_id.lower() if ch.isalnum())
    return next((k for k in SECRET_KINDS if k in word), None)


def _link_kinds(uf: _UnionFind, items: Sequence[Finding], idxs: Sequence[int]) -> None:
    """At one place, a secret whose value matched no other tool's joins the one group of another tool's
    findings of the same kind, when its own tool reports that kind only once there (never on ambiguity)."""
    for u in idxs:
        fu = items[u]
        kind = secret_kind(fu)
        if kind is None or any(uf.find(u) == uf.find(v) for v in idxs if v != u):
            continue
        mine = set(fu.sources)
        same_kind = [v for v in idxs if secret_kind(items[v]) == kind]
        if sum(1 for v in same_kind if set(items[v].sources) & mine) != 1:
            continue
        groups = {uf.find(v) for v in same_kind if not set(items[v].sources) & mine}
        if len(groups) == 1:
            uf.union(u, groups.pop())


def _per_source(items: Sequence[Finding], idxs: Sequence[int]) -> dict[str, int]:
    """How many findings each tool reports at one place."""
    counts: dict[str, int] = {}
    for i in idxs:
        for src in items[i].sources:
            counts[src] = counts.get(src, 0) + 1
    return counts


def _same_secret(a: Finding, b: Finding, per_source: dict[str, int]) -> bool:
    """Two secret findings at one place are one secret: same value hash, or each alone from its tool there."""
    if a.secret_hash and a.secret_hash == b.secret_hash:
        return True
    if set(a.sources) & set(b.sources):
        return False  # one tool reporting two values at one place: two secrets
    return all(per_source.get(s, 0) == 1 for s in (*a.sources, *b.sources))


def _combine(group: Sequence[Finding]) -> Finding:
    # A severity a tool only defaulted to (pip-audit has none) yields to a real one from another source.
    rated = [f for f in group if f.severity_source != DEFAULT_SEVERITY] or list(group)
    best = max(rated, key=lambda f: (f.severity, len(f.identifiers)))
    if len(group) == 1:
        return best
    secrets = [f for f in group if f.category is Category.SECRET]
    if secrets and best.category is not Category.SECRET:  # a leaked secret that SAST also saw: a secret
        best = max(secrets, key=lambda f: (f.severity, len(f.identifiers))).with_(severity=best.severity)
    sources = tuple(dict.fromkeys(s for f in group for s in f.sources))
    ids = tuple(dict.fromkeys(i for f in group for i in f.identifiers))
    pkg = best.package
    if pkg is not None:
        fixed = tuple(dict.fromkeys(v for f in group if f.package for v in f.package.fixed_versions))
        pkg = Package(
            pkg.name,
            pkg.version,
            fixed,
            pkg.ecosystem,
            pkg.manifest
            or next((f.package.manifest for f in group if f.package and f.package.manifest), None),
        )
    return best.with_(
        sources=sources,
        identifiers=ids,
        package=pkg,
        merged_from=tuple(MergedSource(",".join(f.sources), f.rule_id, f.raw_severity, f.native_marker)
                          for f in group),
        remediation=best.remediation or next((f.remediation for f in group if f.remediation), None),
        secret_hash=best.secret_hash or next((f.secret_hash for f in group if f.secret_hash), None),
        secret_mask=best.secret_mask or next((f.secret_mask for f in group if f.secret_mask), None),
        snippet=best.snippet or next((f.snippet for f in group if f.snippet), None),
    )


def merge(findings: Iterable[Finding]) -> list[Finding]:
    """Merge duplicates; order: by severity (highest first), then path and line."""
    items = list(findings)
    uf = _UnionFind(len(items))
    _link(uf, items)
    _link_iac(uf, items)
    groups: dict[int, list[Finding]] = {}
    for i, f in enumerate(items):
        groups.setdefault(uf.find(i), []).append(f)
    merged = [_combine(g) for g in groups.values()]
    return sort_findings(merged)


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Stable report order."""

    def key(f: Finding) -> tuple[int, str, int, str]:
        loc = f.location
        return (
            -int(f.severity),
            loc.path if loc else (f.package.name if f.package else ""),
            (loc.start_line or 0) if loc else 0,
            f.rule_id,
        )

    return sorted(findings, key=key)
