"""Normalize detect-secrets JSON: ``scan`` output, a baseline file and ``detect-secrets-hook --json``
(one shape: ``{"version", "plugins_used", "results": {file: [...]}}``), and ``audit --report``.
detect-secrets' GitHub and GitLab plugins hash only the token's prefix (:data:`PREFIX_HASHED`): that hash
is not kept as the secret's.

Severity and rule id come from the secret ``type`` through :data:`TYPE_TABLE`; the type is kept in
``raw_severity`` (detect-secrets has no severity of its own). A secret detect-secrets verified as live
(``is_verified``) is critical. ``secret_hash`` is detect-secrets' ``hashed_secret`` (sha1 hex of the
raw value, the project standard). The audit report holds PLAINTEXT secrets and source lines: only the
sha1 of the value is kept, never the value or the line text.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from secscan.core.errors import ParseError
from secscan.core.model import Category, Finding, Location, Parsed, Severity, Status
from secscan.parsers.interface import as_dict, as_list, load_json, norm_path, opt_int, opt_str

TOOL = "detect-secrets"

#: detect-secrets ``type`` (the plugin's display name) -> (plugin class name, severity).
#: Private keys and cloud provider keys are critical; service tokens and credentials high;
#: keyword and entropy heuristics (many false positives) medium/low; a public IP is informational.
TYPE_TABLE: dict[str, tuple[str, Severity]] = {
    "Private Key": ("PrivateKeyDetector", Severity.CRITICAL),
    "AWS Access Key": ("AWSKeyDetector", Severity.CRITICAL),
    "Azure Storage Account access key": ("AzureStorageKeyDetector", Severity.CRITICAL),
    "IBM Cloud IAM Key": ("IbmCloudIamDetector", Severity.HIGH),
    "IBM COS HMAC Credentials": ("IbmCosHmacDetector", Severity.HIGH),
    "SoftLayer Credentials": ("SoftlayerDetector", Severity.HIGH),
    "Artifactory Credentials": ("ArtifactoryDetector", Severity.HIGH),
    "Basic Auth Credentials": ("BasicAuthDetector", Severity.HIGH),
    "Cloudant Credentials": ("CloudantDetector", Severity.HIGH),
    "Discord Bot Token": ("DiscordBotTokenDetector", Severity.HIGH),
    "GitHub Token": ("GitHubTokenDetector", Severity.HIGH),
    "GitLab Token": ("GitLabTokenDetector", Severity.HIGH),
    "Mailchimp Access Key": ("MailchimpDetector", Severity.HIGH),
    "NPM tokens": ("NpmDetector", Severity.HIGH),
    "OpenAI Token": ("OpenAIDetector", Severity.HIGH),
    "PyPI Token": ("PypiTokenDetector", Severity.HIGH),
    "PyPI upload token": ("PypiTokenDetector", Severity.HIGH),
    "SendGrid API Key": ("SendGridDetector", Severity.HIGH),
    "Slack Token": ("SlackDetector", Severity.HIGH),
    "Square OAuth Secret": ("SquareOAuthDetector", Severity.HIGH),
    "Stripe Access Key": ("StripeDetector", Severity.HIGH),
    "Telegram Bot Token": ("TelegramBotTokenDetector", Severity.HIGH),
    "Twilio API Key": ("TwilioKeyDetector", Severity.HIGH),
    "JSON Web Token": ("JwtTokenDetector", Severity.MEDIUM),
    "Secret Keyword": ("KeywordDetector", Severity.MEDIUM),
    "Base64 High Entropy String": ("Base64HighEntropyString", Severity.LOW),
    "Hex High Entropy String": ("HexHighEntropyString", Severity.LOW),
    "Public IP (ipv4)": ("IPPublicDetector", Severity.INFO),
}

#: A type outside the table (a custom plugin, a future release): medium, rule id from a slug.
UNKNOWN_SEVERITY = Severity.MEDIUM
#: A secret detect-secrets verified as live.
VERIFIED_SEVERITY = Severity.CRITICAL
RULE_PREFIX = "detect-secrets."

_SHA1 = re.compile(r"[0-9a-f]{40}")

#: Plugins whose regex captures the token's prefix, so detect-secrets hashes the prefix ("ghp"), the same for
#: every token of a kind: such a hash is not the secret's (it would make every GitHub token one secret).
#: The finding gets no secret_hash and ``properties.hashed_prefix``; the results layer reads the token.
PREFIX_HASHED: dict[str, tuple[str, ...]] = {
    "GitHub Token": ("ghp", "gho", "ghu", "ghs", "ghr"),
    "GitLab Token": ("glpat", "gldt", "glft", "glsoat", "glrt"),
}
_PREFIX_OF = {hashlib.sha1(p.encode(), usedforsecurity=False).hexdigest(): p
              for prefixes in PREFIX_HASHED.values() for p in prefixes}
_LINE = re.compile(r"[0-9]{1,9}")


def rule_for(secret_type: str) -> tuple[str, Severity]:
    """(rule_id, severity) for a detect-secrets type."""
    known = TYPE_TABLE.get(secret_type)
    if known is not None:
        return RULE_PREFIX + known[0], known[1]
    slug = re.sub(r"[^a-z0-9]+", "-", secret_type.lower()).strip("-") or "unknown"
    return RULE_PREFIX + slug, UNKNOWN_SEVERITY


def _sha1(value: str) -> str:
    """The project's secret hash: sha1 hex of the raw value (what detect-secrets calls hashed_secret)."""
    return hashlib.sha1(value.encode("utf-8", "surrogatepass"), usedforsecurity=False).hexdigest()


def _finding(secret_type: str, path: str, line: int | None, secret_hash: str | None,
             props: dict[str, Any], verified: bool) -> Finding:
    rule_id, severity = rule_for(secret_type)
    where = f"{path}:{line}" if line is not None else path
    return Finding(
        rule_id=rule_id,
        title=secret_type,
        message=f"Potential secret ({secret_type}) in {where}",
        severity=VERIFIED_SEVERITY if verified else severity,
        raw_severity=secret_type,
        category=Category.SECRET,
        sources=(TOOL,),
        location=Location(path, line, line),
        secret_hash=secret_hash,
        properties=props,
    )


def _scan_entry(item: Any, key: str, where: str, source: str) -> Finding:
    rec = as_dict(item, TOOL, source, where)
    secret_type = opt_str(rec.get("type"))
    if secret_type is None:
        raise ParseError(TOOL, source, f"{where} has no type")
    path = norm_path(opt_str(rec.get("filename")) or key)
    digest = rec.get("hashed_secret")
    digest = digest.lower() if isinstance(digest, str) and _SHA1.fullmatch(digest.lower()) else None
    verified = rec.get("is_verified") is True
    props: dict[str, Any] = {"is_verified": verified}
    if digest in _PREFIX_OF and secret_type in PREFIX_HASHED:
        props["hashed_prefix"], digest = _PREFIX_OF[digest], None
    if isinstance(rec.get("is_secret"), bool):
        props["is_secret"] = rec["is_secret"]
    return _finding(secret_type, path, opt_int(rec.get("line_number")), digest, props, verified)


def _parse_scan(data: dict[str, Any], results: dict[str, Any], source: str) -> Parsed:
    plugins = as_list(data.get("plugins_used"), TOOL, source, "plugins_used")
    findings: list[Finding] = []
    files = 0
    for key, entries in results.items():
        where = f"results[{key[:100]!r}]"
        items = as_list(entries, TOOL, source, where)
        findings.extend(_scan_entry(it, key, f"{where}[{i}]", source) for i, it in enumerate(items))
        files += 1 if items else 0
    status, reason = Status.OK, None
    if not plugins:
        status, reason = Status.FAILED, "no detect-secrets plugins enabled"
    coverage = {"files_with_findings": files, "plugins": len(plugins)}
    return Parsed(TOOL, tuple(findings), status, reason, coverage, opt_str(data.get("version")))


def _report_lines(value: Any) -> list[int]:
    """Line numbers from the report's {"93": "<line text>"} map (the text is never read)."""
    if not isinstance(value, dict):
        return []
    return sorted({int(k) for k in value if isinstance(k, str) and _LINE.fullmatch(k.strip())})


def _report_entry(item: Any, idx: int, source: str) -> list[Finding]:
    rec = as_dict(item, TOOL, source, f"results[{idx}]")
    filename = opt_str(rec.get("filename"))
    types = rec.get("types")
    if filename is None or not isinstance(types, list):
        raise ParseError(TOOL, source, f"results[{idx}] has no filename or types (not an audit report?)")
    value = rec.get("secrets")
    digest = _sha1(value) if isinstance(value, str) else None
    category = opt_str(rec.get("category"))
    verified = category == "VERIFIED_TRUE"
    props: dict[str, Any] = {"is_verified": verified}
    if category:
        props["audit_category"] = category
    if digest in _PREFIX_OF and any(t in PREFIX_HASHED for t in types):
        props["hashed_prefix"], digest = _PREFIX_OF[digest], None
    lines: list[int | None] = list(_report_lines(rec.get("lines"))) or [None]
    names = [t for t in types if isinstance(t, str) and t]
    path = norm_path(filename)
    return [_finding(t, path, line, digest, dict(props), verified) for t in names for line in lines]


def _parse_report(results: list[Any], source: str) -> Parsed:
    findings: list[Finding] = []
    files: set[str] = set()
    for idx, item in enumerate(results):
        found = _report_entry(item, idx, source)
        findings.extend(found)
        files.update(f.location.path for f in found if f.location)
    return Parsed(TOOL, tuple(findings), Status.OK, None, {"files_with_findings": len(files)}, None)


def parse(text: str | bytes, source: str = "<input>") -> Parsed:
    """detect-secrets JSON text (scan, baseline, hook --json, audit --report) -> findings and health."""
    data = as_dict(load_json(text, TOOL, source), TOOL, source, "the top level")
    if "results" not in data:
        raise ParseError(TOOL, source, "no 'results' key (not detect-secrets JSON?)")
    results = data["results"]
    if isinstance(results, dict):
        if "plugins_used" not in data:
            raise ParseError(TOOL, source, "no 'plugins_used' key (not detect-secrets JSON?)")
        return _parse_scan(data, results, source)
    if isinstance(results, list) and "plugins_used" not in data and "errors" not in data:
        return _parse_report(results, source)
    raise ParseError(TOOL, source, f"'results' is {type(results).__name__}, expected an object of files")
