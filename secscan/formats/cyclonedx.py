"""CycloneDX 1.6 SBOM (`--format cyclonedx`, file `secscan.cdx.json`), built with cyclonedx-python-lib.

Components: the dependencies the scan read (``Result.components``: pinned Python requirements and lock files,
npm lockfiles) and every package a finding is about (image packages from Trivy included), each with a purl
(Trivy's own when it gave one). Vulnerabilities: every unsuppressed dependency or container finding, with its
rating (secscan's severity, the tool's word and CVSS score when known), CWEs, fix and the component it
affects. The document is deterministic for one result: its serial number derives from the run, its timestamp
is the scan's start. Tests validate it against the CycloneDX 1.6 JSON schema the library ships.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal, InvalidOperation

from cyclonedx.model import Property
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.vulnerability import (
    BomTarget,
    Vulnerability,
    VulnerabilityRating,
    VulnerabilityScoreSource,
    VulnerabilitySeverity,
    VulnerabilitySource,
)
from cyclonedx.output.json import JsonV1Dot6
from packageurl import PackageURL

from secscan.core.model import Category, Finding, Package, Result, Severity
from secscan.formats.interface import Format, cwe_numbers, fingerprint_of

FILE = "secscan.cdx.json"

#: OSV ecosystem names (as secscan's packages carry them) -> purl types.
PURL_TYPES: dict[str, str] = {
    "pypi": "pypi", "npm": "npm", "go": "golang", "maven": "maven", "crates.io": "cargo",
    "rubygems": "gem", "nuget": "nuget", "packagist": "composer", "hex": "hex", "pub": "pub",
    "cocoapods": "cocoapods", "conda": "conda", "swifturl": "swift",
    "debian": "deb", "ubuntu": "deb", "alpine": "apk", "wolfi": "apk", "chainguard": "apk",
    "redhat": "rpm", "centos": "rpm", "rocky": "rpm", "alma": "rpm", "amazon": "rpm", "oracle": "rpm",
    "fedora": "rpm", "photon": "rpm", "opensuse": "rpm", "sles": "rpm", "azurelinux": "rpm",
    "cbl-mariner": "rpm",
}
SEVERITIES: dict[Severity, VulnerabilitySeverity] = {
    Severity.CRITICAL: VulnerabilitySeverity.CRITICAL,
    Severity.HIGH: VulnerabilitySeverity.HIGH,
    Severity.MEDIUM: VulnerabilitySeverity.MEDIUM,
    Severity.LOW: VulnerabilitySeverity.LOW,
    Severity.INFO: VulnerabilitySeverity.INFO,
}
PACKAGE_CATEGORIES = (Category.DEPENDENCY, Category.CONTAINER)


def purl_of(pkg: Package, given: str | None = None) -> PackageURL:
    """The package URL: the tool's own when it gave a valid one, else from the ecosystem (generic when
    unknown). PyPI names are normalized (PEP 503), npm scopes become the namespace."""
    if given:
        try:
            return PackageURL.from_string(given)
        except ValueError:
            pass
    eco = (pkg.ecosystem or "").strip()
    kind = PURL_TYPES.get(eco.lower(), "generic")
    name, namespace = pkg.name, None
    if kind == "pypi":
        name = name.lower().replace("_", "-").replace(".", "-")
    elif kind == "npm" and name.startswith("@") and "/" in name:
        namespace, name = name.split("/", 1)
    elif kind in ("deb", "apk", "rpm"):
        namespace = eco.lower()
    return PackageURL(type=kind, namespace=namespace, name=name, version=pkg.version or None)


def _component(pkg: Package, purl: PackageURL) -> Component:
    props = [Property(name="secscan:manifest", value=pkg.manifest)] if pkg.manifest else []
    return Component(name=pkg.name, version=pkg.version, type=ComponentType.LIBRARY, purl=purl,
                     bom_ref=purl.to_string(), properties=props)


def _rating(f: Finding) -> VulnerabilityRating:
    score = f.properties.get("cvss_score")
    dec: Decimal | None = None
    if isinstance(score, int | float) and not isinstance(score, bool):
        try:
            dec = Decimal(str(score))
        except InvalidOperation:
            dec = None
    return VulnerabilityRating(source=VulnerabilitySource(name=f.sources[0] if f.sources else "secscan"),
                               severity=SEVERITIES[f.severity], score=dec,
                               method=VulnerabilityScoreSource.CVSS_V3_1 if dec is not None else None,
                               justification=f"secscan severity {f.severity.label}; tool's word "
                                             f"{f.raw_severity or 'none'}")


def _vulnerability(f: Finding, ref: str) -> Vulnerability:
    cwes = [int(n) for n in cwe_numbers(f.identifiers)]
    aliases = [i for i in f.identifiers if i != f.rule_id and not i.upper().startswith("CWE-")]
    props = [Property(name="secscan:fingerprint", value=fingerprint_of(f)),
             *(Property(name="secscan:alias", value=a) for a in aliases)]
    fixed = f.package.fixed_versions if f.package else ()
    return Vulnerability(
        bom_ref=f"{f.rule_id}/{fingerprint_of(f)}", id=f.rule_id,
        source=VulnerabilitySource(name=", ".join(f.sources) or "secscan"), ratings=[_rating(f)], cwes=cwes,
        description=f.message or f.title,
        recommendation=f.remediation or (f"upgrade to {' or '.join(fixed)}" if fixed else None),
        affects=[BomTarget(ref=ref)], properties=props,
    )


def _components(result: Result) -> dict[str, Component]:
    out: dict[str, Component] = {}
    for pkg in result.components:
        purl = purl_of(pkg)
        out.setdefault(purl.to_string(), _component(pkg, purl))
    for f in _package_findings(result.findings):
        assert f.package is not None
        purl = purl_of(f.package, f.properties.get("purl"))
        out.setdefault(purl.to_string(), _component(f.package, purl))
    return out


def _package_findings(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings
            if f.package is not None and f.package.name and f.category in PACKAGE_CATEGORIES]


def _serial(result: Result) -> uuid.UUID:
    seed = result.run_id or f"{result.target}|{result.started_at}"
    return uuid.uuid5(uuid.NAMESPACE_URL, f"secscan:{seed}")


def _timestamp(result: Result) -> datetime | None:
    try:
        return datetime.fromisoformat(result.started_at.replace("Z", "+00:00"))
    except ValueError:
        return None


def render_bom(result: Result) -> str:
    """The CycloneDX 1.6 JSON document."""
    bom = Bom(serial_number=_serial(result))
    stamp = _timestamp(result)
    if stamp is not None:
        bom.metadata.timestamp = stamp
    target = Component(name=result.target or "scanned tree", type=ComponentType.APPLICATION,
                       bom_ref="secscan-target")
    bom.metadata.component = target
    components = _components(result)
    for comp in components.values():
        bom.components.add(comp)
    bom.register_dependency(target, components.values())  # the tree depends on each (directly or not)
    for f in _package_findings(result.findings):
        if f.suppressed:
            continue
        assert f.package is not None
        ref = purl_of(f.package, f.properties.get("purl")).to_string()
        bom.vulnerabilities.add(_vulnerability(f, ref))
    return JsonV1Dot6(bom).output_as_string(indent=2) + "\n"


class CycloneDxFormat(Format):
    """`--format cyclonedx`: the SBOM with the vulnerabilities found."""

    name = "cyclonedx"
    files = (FILE,)

    def render(self, result: Result) -> dict[str, str | bytes]:
        """{"secscan.cdx.json": text}."""
        return {FILE: render_bom(result)}


