"""Test material, with evidence: a private key the tree itself shows to be for tests is not a leak.

A private-key finding (rules/context/test_material.yaml lists the rules) becomes medium with the reason in
``properties.test_material`` when, in the same tree,

- a certificate or CSR carries the key's public key and is for test names only (localhost, loopback,
  reserved example names) and is self-signed or issued by a self-signed CA of the tree (a CSR signs itself);
- or the key is the key of a self-signed CA of the tree whose certificates there are for test names only;
- or a test file of the tree (context ``test``) names the key's file (a fixture loads it).

Everything else stays as it is: a key with no such evidence, in a test folder or not, keeps its severity, and
provider tokens are never judged here. Keys and certificates are read in memory only; no value is kept.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

from secscan.core.model import Category, Finding, Severity
from secscan.core.resources import load_yaml, rules_path
from secscan.results.context import Classifier

SKIP_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "venv", ".tox", ".nox", "__pycache__"})
_KEY_BLOCK = re.compile(r"-----BEGIN ((?:RSA |EC |DSA )?PRIVATE KEY)-----[\s\S]+?-----END \1-----")
_CERT_BLOCK = re.compile(r"-----BEGIN (CERTIFICATE|CERTIFICATE REQUEST|NEW CERTIFICATE REQUEST)-----[\s\S]+?"
                         r"-----END \1-----")


@dataclass(frozen=True)
class Policy:
    """rules/context/test_material.yaml."""

    severity: Severity
    key_rules: frozenset[str]
    cert_suffixes: tuple[str, ...]
    max_files: int
    max_bytes: int
    test_hosts: frozenset[str]
    test_suffixes: tuple[str, ...]
    test_networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]


@cache
def policy() -> Policy:
    """The table, read once."""
    d = load_yaml(rules_path("context", "test_material.yaml").read_text("utf-8"))
    return Policy(Severity.from_label(d["severity"]), frozenset(d["key_rules"]), tuple(d["cert_suffixes"]),
                  int(d["max_files"]), int(d["max_bytes"]), frozenset(d["test_hosts"]),
                  tuple(d["test_suffixes"]), tuple(ipaddress.ip_network(n) for n in d["test_networks"]))


def is_test_name(name: str, pol: Policy | None = None) -> bool:
    """True for localhost, loopback addresses and the reserved example/test/invalid names."""
    pol = pol or policy()
    name = name.strip().lower().rstrip(".").removeprefix("*.")
    try:
        addr = ipaddress.ip_address(name)
    except ValueError:
        return name in pol.test_hosts or name.endswith(pol.test_suffixes)
    return any(addr in net for net in pol.test_networks)


@dataclass(frozen=True)
class Cert:
    """One certificate or CSR of the tree, reduced to what the evidence needs."""

    path: str
    public_key: bytes  # DER SubjectPublicKeyInfo
    names: tuple[str, ...]  # host names and addresses (SAN, else a host-like CN)
    subject: Any
    issuer: Any
    self_signed: bool
    csr: bool
    obj: Any


def _names(obj: Any) -> tuple[str, ...]:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    try:
        san = obj.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        found = [*san.get_values_for_type(x509.DNSName), *map(str, san.get_values_for_type(x509.IPAddress))]
        if found:
            return tuple(found)
    except (x509.ExtensionNotFound, x509.DuplicateExtension, x509.UnsupportedGeneralNameType, ValueError):
        pass
    cns = [str(a.value) for a in obj.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    return tuple(cn for cn in cns if "." in cn or cn.lower() == "localhost" or _is_ip(cn))


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _spki(key: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    der, spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    return bytes(key.public_bytes(der, spki))


def _load_block(kind: str, pem: bytes, path: str) -> Cert | None:
    from cryptography import x509

    try:
        if kind == "CERTIFICATE":
            c = x509.load_pem_x509_certificate(pem)
            signed = c.issuer == c.subject and _issued_by(c, c)
            return Cert(path, _spki(c.public_key()), _names(c), c.subject, c.issuer, signed, False, c)
        r = x509.load_pem_x509_csr(pem.replace(b"NEW CERTIFICATE REQUEST", b"CERTIFICATE REQUEST"))
        valid = r.is_signature_valid
        return Cert(path, _spki(r.public_key()), _names(r), r.subject, r.subject, valid, True, r)
    except Exception:  # an unreadable certificate of the tree is no evidence: the key keeps its severity
        return None


def _issued_by(cert: Any, issuer: Any) -> bool:
    from cryptography.exceptions import InvalidSignature

    try:
        cert.verify_directly_issued_by(issuer)
    except (InvalidSignature, ValueError, TypeError):  # another signer, an unsupported key type
        return False
    return True


def _walk(root: Path, pol: Policy) -> Iterator[Path]:
    seen = 0
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        for name in sorted(files):
            if name.lower().endswith(pol.cert_suffixes):
                seen += 1
                if seen > pol.max_files:
                    return
                yield Path(folder) / name


def certificates(root: Path, pol: Policy | None = None) -> list[Cert]:
    """Every certificate and CSR in PEM form under root (bounded by the policy's limits)."""
    pol = pol or policy()
    out = []
    for path in _walk(root, pol):
        try:
            if path.is_symlink() or path.stat().st_size > pol.max_bytes:
                continue
            text = path.read_bytes().decode("ascii", "replace")
        except OSError:
            continue
        rel = path.relative_to(root).as_posix()
        for m in _CERT_BLOCK.finditer(text):
            cert = _load_block(m.group(1), m.group(0).encode(), rel)
            if cert is not None:
                out.append(cert)
    return out


def _root_of(cert: Cert, certs: Sequence[Cert], depth: int = 3) -> Cert | None:
    """The self-signed certificate of the tree at the top of cert's chain (cert itself when self-signed)."""
    if cert.self_signed:
        return cert
    if cert.csr or depth == 0:
        return None
    for cand in certs:
        same = cand.subject == cert.issuer
        if same and not cand.csr and cand is not cert and _issued_by(cert.obj, cand.obj):
            return _root_of(cand, certs, depth - 1)
    return None


def _key_public(text: str, line: int | None) -> bytes | None:
    """The public key of the PEM private key block at (or, without a line, first in) the text; None when
    there is none, it is encrypted or unreadable."""
    from cryptography.hazmat.primitives import serialization

    for m in _KEY_BLOCK.finditer(text):
        start = text.count("\n", 0, m.start()) + 1
        end = start + m.group(0).count("\n")
        if line is not None and not start <= line <= end:
            continue
        try:
            return _spki(serialization.load_pem_private_key(m.group(0).encode(), password=None).public_key())
        except (ValueError, TypeError):
            return None
    return None


def cert_evidence(public: bytes, certs: Sequence[Cert], pol: Policy | None = None) -> str | None:
    """Why the key with this public key is test material by the tree's certificates (None: no evidence)."""
    pol = pol or policy()
    for c in sorted(certs, key=lambda c: c.csr):  # certificates before requests
        if c.public_key != public:
            continue
        top = _root_of(c, certs)
        if c.names and all(is_test_name(n, pol) for n in c.names) and top is not None:
            what = "certificate request" if c.csr else "certificate"
            how = "" if c.csr else (" self-signed" if top is c else f" issued by the tree's CA {top.path}")
            return f"its {what} {c.path} is{how} for {', '.join(c.names[:4])} only"
        if top is c and not c.csr:  # a CA key: what it signed in the tree
            leaves = [x for x in certs if x is not c and not x.csr and x.names and x.issuer == c.subject
                      and _issued_by(x.obj, c.obj)]
            if leaves and all(is_test_name(n, pol) for x in leaves for n in x.names):
                names = sorted({n for x in leaves for n in x.names})
                return (f"the key of the self-signed CA {c.path}, whose certificates in this tree are for "
                        f"{', '.join(names[:4])} only")
    return None


def fixture_evidence(key_path: str, test_texts: dict[str, str]) -> str | None:
    """Why the key file is test material because a test file names it (None: none does)."""
    p = PurePosixPath(key_path)
    tail = "/".join(p.parts[-2:])
    for path, text in sorted(test_texts.items()):
        if key_path in text or (len(p.parts) > 1 and tail in text):
            return f"the test file {path} loads it"
    return None


def is_key_finding(f: Finding, pol: Policy | None = None) -> bool:
    """A private-key finding of one of the policy's rules (merged ones included)."""
    pol = pol or policy()
    rules = {f.rule_id, *(m.rule_id for m in f.merged_from)}
    return f.category is Category.SECRET and bool(rules & pol.key_rules) and f.location is not None


def _read(root: Path, rel: str, limit: int) -> str | None:
    path = root / rel
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > limit:
            return None
        return path.read_text("utf-8", "replace")
    except OSError:
        return None


def _test_texts(root: Path, classifier: Classifier, pol: Policy) -> dict[str, str]:
    """The tree's test files (context test) with source suffixes, bounded like the certificates."""
    out: dict[str, str] = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        for name in sorted(files):
            if not name.endswith((".py", ".cfg", ".ini", ".toml", ".json", ".yaml", ".yml", ".js", ".ts")):
                continue
            rel = (Path(folder) / name).relative_to(root).as_posix()
            if classifier.classify(rel) != "test":
                continue
            text = _read(root, rel, pol.max_bytes * 4)
            if text is not None:
                out[rel] = text
            if len(out) >= pol.max_files:
                return out
    return out


def places_of(f: Finding) -> list[tuple[str, int | None]]:
    """The finding's own place and the other places of the same secret (``Finding.places``)."""
    out = [(f.location.path, f.location.start_line)] if f.location is not None else []
    for p in f.places:
        if (p.path, p.start_line) not in out:
            out.append((p.path, p.start_line))
    return out


class _Evidence:
    """The tree's certificates and test files, read once and only when a key needs them."""

    def __init__(self, root: Path, classifier: Classifier, pol: Policy) -> None:
        self.root, self.classifier, self.pol = root, classifier, pol
        self._certs: list[Cert] | None = None
        self._texts: dict[str, str] | None = None

    def reason(self, path: str, line: int | None) -> str | None:
        text = _read(self.root, path, self.pol.max_bytes * 4)
        public = _key_public(text, line) if text else None
        if public is not None:
            self._certs = certificates(self.root, self.pol) if self._certs is None else self._certs
            if (why := cert_evidence(public, self._certs, self.pol)) is not None:
                return why
        if self._texts is None:
            self._texts = _test_texts(self.root, self.classifier, self.pol)
        return fixture_evidence(path, self._texts)


def apply(findings: Sequence[Finding], root: Path | None, classifier: Classifier) -> list[Finding]:
    """Private-key findings the tree shows to be test material, at every place they are reported:
    medium (never raised), with the reason."""
    pol = policy()
    if root is None or not any(is_key_finding(f, pol) for f in findings):
        return list(findings)
    evidence = _Evidence(root, classifier, pol)
    out = []
    for f in findings:
        places = places_of(f) if is_key_finding(f, pol) else []
        reasons = [evidence.reason(path, line) for path, line in places]
        if not reasons or None in reasons:
            out.append(f)
            continue
        reason = str(reasons[0]) + (f"; each of its {len(places)} places has such evidence"
                                    if len(places) > 1 else "")
        props = {**f.properties, "test_material": reason}
        if f.severity > pol.severity:
            props["severity_context_from"] = f.severity.label
        out.append(f.with_(severity=min(f.severity, pol.severity), properties=props))
    return out
