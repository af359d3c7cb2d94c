"""Normalize Trivy JSON (``trivy image|fs|repo|config|k8s --format json``).

Three shapes are read: SchemaVersion 2 (``{"SchemaVersion": 2, "ArtifactName", "ArtifactType",
"Results": [...]}``), the legacy bare list of results (before SchemaVersion 2), and the ``trivy k8s`` report
(``{"ClusterName", "Resources" | "Vulnerabilities" | "Misconfigurations": [{"Namespace", "Kind", "Name",
"Results": [...]}]}``). Every result's Vulnerabilities, Misconfigurations (FAIL only), Secrets and Licenses
become findings. A secret's ``Match`` (the masked line) is read only for its shape: where its ``*`` runs
are, its length and a SHA-256 (``properties.trivy_mask``, for results/trivy_secrets.py to find and hash the
secret in the scanned file); its text and ``Code`` lines are never kept. ``version`` is ``Trivy.Version`` when
the report carries it (newer Trivy), else None. A k8s resource with an ``Error`` makes the outcome PARTIAL.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from secscan.core.model import Category, Finding, Location, Package, Parsed, Severity, Status
from secscan.parsers.interface import load_json, norm_path
from secscan.parsers.reader import Reader, cwe_list

TOOL = "trivy"

#: Trivy severity word -> Severity. "UNKNOWN" is not in the table: see :func:`severity_for`.
SEVERITY_TABLE: dict[str, Severity] = {
    "CRITICAL": Severity.CRITICAL,
    "HIGH": Severity.HIGH,
    "MEDIUM": Severity.MEDIUM,
    "LOW": Severity.LOW,
}

#: For "UNKNOWN" (and any word outside the table): the highest CVSS score of the record decides,
#: first match wins (score >= bound); a record without any CVSS score is medium.
UNKNOWN_CVSS_BOUNDS: tuple[tuple[float, Severity], ...] = (
    (9.0, Severity.CRITICAL),
    (7.0, Severity.HIGH),
    (4.0, Severity.MEDIUM),
)
UNKNOWN_POSITIVE_SCORE = Severity.LOW  # 0 < score < 4
UNKNOWN_NO_SCORE = Severity.MEDIUM

#: Trivy result ``Type`` -> package ecosystem (OSV names). OS types (alpine, debian, ...) and any type
#: not listed keep their own name.
ECOSYSTEMS: dict[str, str] = {
    "pip": "PyPI", "pipenv": "PyPI", "poetry": "PyPI", "uv": "PyPI", "python-pkg": "PyPI",
    "conda-pkg": "conda", "conda-environment": "conda",
    "npm": "npm", "yarn": "npm", "pnpm": "npm", "bun": "npm", "node-pkg": "npm",
    "gomod": "Go", "gobinary": "Go",
    "jar": "Maven", "pom": "Maven", "gradle": "Maven", "sbt": "Maven",
    "cargo": "crates.io", "rust-binary": "crates.io",
    "composer": "Packagist", "composer-vendor": "Packagist",
    "bundler": "RubyGems", "gemspec": "RubyGems",
    "nuget": "NuGet", "dotnet-core": "NuGet", "packages-props": "NuGet",
    "conan": "ConanCenter", "hex": "Hex", "pub": "Pub", "swift": "SwiftURL", "cocoapods": "CocoaPods",
    "julia": "Julia",
}

#: Result types that are operating-system package databases (an image's OS layer).
OS_TYPES: frozenset[str] = frozenset({
    "alpine", "alma", "amazon", "azurelinux", "bottlerocket", "cbl-mariner", "centos", "chainguard",
    "debian", "echo", "fedora", "minimos", "opensuse", "opensuse-leap", "opensuse-tumbleweed", "oracle",
    "photon", "redhat", "rocky", "sles", "suse linux enterprise micro", "ubuntu", "wolfi",
})

#: Misconfiguration statuses that are not problems (counted in coverage, no finding). Any other status,
#: or none at all (old Trivy), is a failure: a finding is never dropped on an unexpected word.
MISCONF_NOT_FAILED: dict[str, str] = {
    "PASS": "misconfigurations_passed",
    "EXCEPTION": "misconfigurations_exceptions",
}

_OS_SUFFIX = re.compile(r"\s+\([^()]*\)$")
_STARS = re.compile(rb"\*+")


class _R(Reader):
    """Typed access to Trivy fields."""

    def __init__(self, source: str) -> None:
        super().__init__(TOOL, source)


@dataclass(frozen=True)
class _Ctx:
    """Where one result comes from."""

    target: str
    cls: str | None
    type: str | None
    artifact: str | None
    artifact_type: str | None
    resource: str | None = None  # k8s "namespace/Kind/Name"

    @property
    def is_image(self) -> bool:
        if self.artifact_type == "container_image" or self.cls == "os-pkgs":
            return True
        return self.cls is None and self.type in OS_TYPES

    @property
    def image(self) -> str | None:
        if not self.is_image:
            return None
        if self.artifact:
            return self.artifact
        return _OS_SUFFIX.sub("", self.target) if self.cls == "os-pkgs" else None


def severity_for(raw: str, scores: list[float]) -> Severity:
    """The table, or for UNKNOWN (or a word outside it) the highest CVSS score, else medium."""
    sev = SEVERITY_TABLE.get(raw.strip().upper())
    if sev is not None:
        return sev
    top = max(scores, default=None)
    if top is None or top <= 0:
        return UNKNOWN_NO_SCORE
    for bound, level in UNKNOWN_CVSS_BOUNDS:
        if top >= bound:
            return level
    return UNKNOWN_POSITIVE_SCORE


_Pair = tuple[_Ctx, dict[str, Any]]


def _results(r: _R, results: list[Any], where: str, artifact: str | None, atype: str | None,
             resource: str | None = None, legacy: bool = False) -> list[_Pair]:
    """Each result object with its context (legacy results must name their Target)."""
    out: list[_Pair] = []
    for i, result in enumerate(results):
        w = f"{where}[{i}]"
        result = r.obj(result, w)
        target = r.text(result, "Target", w, required=legacy) or ""
        out.append((_Ctx(target, r.text(result, "Class", w), r.text(result, "Type", w), artifact, atype,
                         resource), result))
    return out


def _k8s(r: _R, data: dict[str, Any]) -> tuple[list[_Pair], list[str]]:
    """The results of a ``trivy k8s`` report, and the resources' error texts."""
    pairs: list[_Pair] = []
    errors: list[str] = []
    for key in ("Resources", "Vulnerabilities", "Misconfigurations"):
        for i, res in enumerate(r.seq(data, key, "report")):
            where = f"{key}[{i}]"
            res = r.obj(res, where)
            parts = [r.text(res, k, where) for k in ("Namespace", "Kind", "Name")]
            resource = "/".join(p for p in parts if p) or None
            err = r.text(res, "Error", where)
            if err:
                errors.append(f"{resource or where}: {err}")
            pairs += _results(r, r.seq(res, "Results", where), f"{where}.Results", None, None, resource)
    return pairs, errors


def _shape(r: _R, data: Any) -> tuple[list[_Pair], list[str], str | None]:
    """Results with their context, k8s errors, and Trivy's version."""
    if isinstance(data, list):
        return _results(r, data, "Results", None, None, legacy=True), [], None
    if not isinstance(data, dict):
        raise r.fail(f"top level is {type(data).__name__}, expected a Trivy report object or list")
    if "SchemaVersion" not in data and ("ClusterName" in data or "Resources" in data):
        pairs, errors = _k8s(r, data)
        return pairs, errors, None
    if "SchemaVersion" not in data:
        raise r.fail("no SchemaVersion, ClusterName or Results: not a Trivy JSON report")
    schema = data["SchemaVersion"]
    if schema != 2 or isinstance(schema, bool):
        raise r.fail(f"unsupported SchemaVersion {schema!r} (expected 2)")
    trivy = data.get("Trivy")
    version = r.text(r.obj(trivy, "Trivy"), "Version", "Trivy") if trivy is not None else None
    pairs = _results(r, r.seq(data, "Results", "report"), "Results", r.text(data, "ArtifactName", "report"),
                     r.text(data, "ArtifactType", "report"))
    return pairs, [], version


def _cvss_scores(r: _R, v: dict[str, Any], where: str) -> tuple[list[float], list[float]]:
    """(V3 scores, V4/V2 fallback scores) over every source in the ``CVSS`` map."""
    v3: list[float] = []
    other: list[float] = []
    cvss = v.get("CVSS")
    if cvss is None:
        return v3, other
    for vendor, entry in r.obj(cvss, f"{where}.CVSS").items():
        entry = r.obj(entry, f"{where}.CVSS.{vendor}")
        for key, bucket in (("V3Score", v3), ("V40Score", other), ("V2Score", other)):
            score = r.num(entry, key, f"{where}.CVSS.{vendor}")
            if score is not None:
                bucket.append(score)
    return v3, other


def _location(ctx: _Ctx, path: str, start: int | None = None, end: int | None = None,
              layer: str | None = None) -> Location:
    return Location(path=norm_path(path) if path else ctx.target, start_line=start,
                    end_line=end if end is not None else start, image=ctx.image, layer=layer)


def _clean(props: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in props.items() if v is not None}


def _ecosystem(ctx: _Ctx) -> str | None:
    return ECOSYSTEMS.get(ctx.type or "", ctx.type)


def _layer(r: _R, d: dict[str, Any], where: str) -> str | None:
    layer = d.get("Layer")
    return None if layer is None else r.text(r.obj(layer, f"{where}.Layer"), "DiffID", f"{where}.Layer")


def _vulnerability(r: _R, ctx: _Ctx, v: dict[str, Any], where: str) -> Finding:
    vid = r.text(v, "VulnerabilityID", where, required=True) or ""
    name = r.text(v, "PkgName", where, required=True) or ""
    fixed = r.text(v, "FixedVersion", where) or ""
    v3, other = _cvss_scores(r, v, where)
    raw = r.text(v, "Severity", where) or "UNKNOWN"
    severity = severity_for(raw, v3 or other)
    idents = (vid, *r.texts(v, "VendorIDs", where), *cwe_list(r.texts(v, "CweIDs", where)))
    eco = _ecosystem(ctx)
    pkg = Package(name=name, version=r.text(v, "InstalledVersion", where),
                  fixed_versions=tuple(dict.fromkeys(p.strip() for p in fixed.split(",") if p.strip())),
                  ecosystem=eco, manifest=None if ctx.is_image else (ctx.target or None))
    ident = v.get("PkgIdentifier")
    purl = r.text(r.obj(ident, f"{where}.PkgIdentifier"), "PURL", where) if ident is not None else None
    props: dict[str, Any] = {
        "cvss_score": max(v3, default=None), "primary_url": r.text(v, "PrimaryURL", where),
        "status": r.text(v, "Status", where),
        "pkg_path": r.text(v, "PkgPath", where), "purl": purl, "k8s_resource": ctx.resource,
    }
    if raw.strip().upper() not in SEVERITY_TABLE:
        props["severity_rule"] = "cvss" if (v3 or other) else "default-medium"
    title = r.text(v, "Title", where) or vid
    return Finding(
        rule_id=vid, title=title, message=r.text(v, "Description", where) or title, severity=severity,
        raw_severity=raw, category=Category.CONTAINER if ctx.is_image else Category.DEPENDENCY,
        sources=(TOOL,), location=_location(ctx, ctx.target, layer=_layer(r, v, where)), package=pkg,
        identifiers=tuple(dict.fromkeys(idents)), properties=_clean(props),
        severity_source=r.text(v, "SeveritySource", where) or None,  # Trivy's vendor ("ghsa", "nvd")
    )


def _misconfiguration(r: _R, ctx: _Ctx, m: dict[str, Any], where: str) -> Finding:
    avdid = r.text(m, "AVDID", where)
    rule = r.text(m, "ID", where) or avdid
    if not rule:
        raise r.fail(f"{where} has neither ID nor AVDID")
    raw = r.text(m, "Severity", where) or "UNKNOWN"
    cause = m.get("CauseMetadata")
    cause = {} if cause is None else r.obj(cause, f"{where}.CauseMetadata")
    start, end = r.line(cause, "StartLine", where), r.line(cause, "EndLine", where)
    title = r.text(m, "Title", where) or rule
    props = {"primary_url": r.text(m, "PrimaryURL", where), "type": r.text(m, "Type", where),
             "status": r.text(m, "Status", where), "cause_resource": r.text(cause, "Resource", where),
             "k8s_resource": ctx.resource}
    return Finding(
        rule_id=rule, title=title,
        message=r.text(m, "Message", where) or r.text(m, "Description", where) or title,
        severity=severity_for(raw, []), raw_severity=raw, category=Category.MISCONFIGURATION,
        sources=(TOOL,), location=_location(ctx, ctx.resource or ctx.target, start, end, _layer(r, m, where)),
        identifiers=(avdid,) if avdid and avdid != rule else (),
        remediation=r.text(m, "Resolution", where), properties=_clean(props),
    )


def mask_shape(match: str, offset: int | None) -> dict[str, Any]:
    """The shape of Trivy's masked ``Match``, never its text: the byte runs of ``*`` (start, length), its
    length in bytes, its SHA-256, and Trivy's byte ``Offset`` of the secret in the file (newer Trivy)."""
    data = match.encode("utf-8", "surrogatepass")
    runs = [[m.start(), m.end() - m.start()] for m in _STARS.finditer(data)]
    return {"offset": offset, "runs": runs, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def _secret(r: _R, ctx: _Ctx, s: dict[str, Any], where: str) -> Finding:
    # s["Code"] is never read, s["Match"] only for its shape (mask_shape): they hold the line around a secret.
    rule = r.text(s, "RuleID", where, required=True)
    raw = r.text(s, "Severity", where) or "UNKNOWN"
    title = r.text(s, "Title", where) or str(rule)
    kind = r.text(s, "Category", where)
    start, end = r.line(s, "StartLine", where), r.line(s, "EndLine", where)
    path = ctx.target if ctx.resource is None else f"{ctx.resource}/{ctx.target}"
    return Finding(
        rule_id=f"trivy.{rule}", title=title,
        message=f"{title} ({kind})" if kind else title, severity=severity_for(raw, []), raw_severity=raw,
        category=Category.SECRET, sources=(TOOL,),
        location=_location(ctx, path, start, end, _layer(r, s, where)),
        secret_hash=None, properties=_secret_props(kind, s),
    )


def _secret_props(kind: str | None, s: dict[str, Any]) -> dict[str, Any]:
    """The category, and the mask's shape when Trivy gave a masked Match (an odd Match or Offset is left out:
    the finding stands without it, it only cannot get a hash)."""
    props: dict[str, Any] = {"secret_category": kind} if kind else {}
    match, offset = s.get("Match"), s.get("Offset")
    if isinstance(match, str) and "*" in match:
        good = isinstance(offset, int) and not isinstance(offset, bool) and offset >= 0
        props["trivy_mask"] = mask_shape(match, offset if good else None)
    return props


def _license(r: _R, ctx: _Ctx, lic: dict[str, Any], where: str) -> Finding:
    name = r.text(lic, "Name", where, required=True) or ""
    raw = r.text(lic, "Severity", where) or "UNKNOWN"
    kind = r.text(lic, "Category", where)
    pkg_name = r.text(lic, "PkgName", where)
    file_path = r.text(lic, "FilePath", where)
    subject = f"package {pkg_name}" if pkg_name else (file_path or ctx.target)
    props = {"license_category": kind, "link": r.text(lic, "Link", where),
             "confidence": r.num(lic, "Confidence", where)}
    return Finding(
        rule_id=f"license:{name}", title=f"{name} license" + (f" ({kind})" if kind else ""),
        message=f"{subject} is under the {name} license" + (f", category {kind}" if kind else ""),
        severity=severity_for(raw, []), raw_severity=raw, category=Category.LICENSE, sources=(TOOL,),
        location=_location(ctx, file_path or ctx.target),
        package=Package(name=pkg_name, ecosystem=_ecosystem(ctx)) if pkg_name else None,
        properties=_clean(props),
    )


def _summary_counts(r: _R, result: dict[str, Any], where: str) -> tuple[int, int]:
    summary = result.get("MisconfSummary")
    if summary is None:
        return 0, 0
    summary = r.obj(summary, f"{where}.MisconfSummary")
    ok, exc = r.num(summary, "Successes", where), r.num(summary, "Exceptions", where)
    return int(max(ok or 0, 0)), int(max(exc or 0, 0))


def _result(r: _R, ctx: _Ctx, result: dict[str, Any], where: str, cov: dict[str, int]) -> list[Finding]:
    out: list[Finding] = []
    for i, v in enumerate(r.seq(result, "Vulnerabilities", where)):
        vwhere = f"{where}.Vulnerabilities[{i}]"
        out.append(_vulnerability(r, ctx, r.obj(v, vwhere), vwhere))
        cov["vulnerabilities"] += 1
    listed = {"misconfigurations_passed": 0, "misconfigurations_exceptions": 0}
    for i, m in enumerate(r.seq(result, "Misconfigurations", where)):
        m = r.obj(m, f"{where}.Misconfigurations[{i}]")
        status = (r.text(m, "Status", f"{where}.Misconfigurations[{i}]") or "").upper()
        if status in MISCONF_NOT_FAILED:
            listed[MISCONF_NOT_FAILED[status]] += 1
            continue
        out.append(_misconfiguration(r, ctx, m, f"{where}.Misconfigurations[{i}]"))
        cov["misconfigurations_failed"] += 1
    passed, exceptions = _summary_counts(r, result, where)
    cov["misconfigurations_passed"] += max(passed, listed["misconfigurations_passed"])
    cov["misconfigurations_exceptions"] += max(exceptions, listed["misconfigurations_exceptions"])
    for i, s in enumerate(r.seq(result, "Secrets", where)):
        out.append(_secret(r, ctx, r.obj(s, f"{where}.Secrets[{i}]"), f"{where}.Secrets[{i}]"))
        cov["secrets"] += 1
    for i, lic in enumerate(r.seq(result, "Licenses", where)):
        out.append(_license(r, ctx, r.obj(lic, f"{where}.Licenses[{i}]"), f"{where}.Licenses[{i}]"))
        cov["licenses"] += 1
    return out


def parse(text: str | bytes, source: str = "<input>") -> Parsed:
    """Trivy JSON -> findings and coverage; raises only ParseError."""
    r = _R(source)
    pairs, errors, version = _shape(r, load_json(text, TOOL, source))
    cov = dict.fromkeys(("targets", "vulnerabilities", "misconfigurations_failed", "misconfigurations_passed",
                         "misconfigurations_exceptions", "secrets", "licenses"), 0)
    findings: list[Finding] = []
    for i, (ctx, result) in enumerate(pairs):
        cov["targets"] += 1
        findings.extend(_result(r, ctx, result, f"Results[{i}]", cov))
    status, reason = Status.OK, None
    if errors:
        status = Status.PARTIAL
        more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
        reason = f"Trivy could not scan {len(errors)} resource(s): {errors[0]}{more}"
    return Parsed(tool=TOOL, findings=tuple(findings), status=status, reason=reason, coverage=cov,
                  version=version)
