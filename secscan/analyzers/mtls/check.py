"""Run the mTLS checks: the self-test against a loopback server, or the probes against a target."""

from __future__ import annotations

import ssl
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

from secscan.analyzers.mtls import chain as chainmod
from secscan.analyzers.mtls.pki import build_self_test_pki, self_signed_client
from secscan.analyzers.mtls.probe import ClientSpec, ProbeSetupError, probe
from secscan.analyzers.mtls.results import (
    Outcome,
    ProbeResult,
    SelfTestCase,
    SelfTestObservation,
    TargetObservation,
)
from secscan.analyzers.mtls.server import LoopbackServer, Mode, ServerFiles
from secscan.analyzers.mtls.tlsio import PQ_GROUP, openssl_version
from secscan.analyzers.mtls.verdict import Verdict, self_test_verdict, target_verdict
from secscan.core.errors import UsageError

DEFAULT_TIMEOUT = 10.0
DEFAULT_READ_WAIT = 2.0

# (case name, credential name or None for no certificate, expected outcome, required version)
SELF_TEST_CASES: tuple[tuple[str, str | None, Outcome, str | None], ...] = (
    ("valid client certificate", "client", Outcome.ACCEPTED, "TLSv1.3"),
    ("no client certificate", None, Outcome.REJECTED, None),
    ("certificate from another CA", "other-ca-client", Outcome.REJECTED, None),
    ("expired certificate", "expired", Outcome.REJECTED, None),
    ("not-yet-valid certificate", "not-yet-valid", Outcome.REJECTED, None),
    ("certificate without clientAuth usage", "no-client-auth", Outcome.REJECTED, None),
)


@dataclass(frozen=True)
class TargetSpec:
    """What `secscan mtls --target` was asked to check."""

    host: str
    port: int
    ca: Path
    cert: Path
    key: Path
    server_name: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    read_wait: float = DEFAULT_READ_WAIT
    pq: bool = False
    require_pq: bool = False

    @property
    def target(self) -> str:
        """HOST:PORT as given (IPv6 in brackets)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def parse_target(text: str) -> tuple[str, int]:
    """'host:443' or '[::1]:443' -> (host, port); UsageError otherwise."""
    host, sep, port = text.strip().rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise UsageError(f"--target must be HOST:PORT, got {text!r}")
    return host, int(port)


def make_target_spec(target: str, ca: str | None, cert: str | None, key: str | None,
                     **kw: object) -> TargetSpec:
    """Validate the target options (files must exist) or raise UsageError."""
    host, port = parse_target(target)
    missing = [opt for opt, val in (("--ca", ca), ("--cert", cert), ("--key", key)) if not val]
    if missing:
        raise UsageError(f"--target needs {', '.join(missing)}")
    paths = [Path(str(p)) for p in (ca, cert, key)]
    for opt, p in zip(("--ca", "--cert", "--key"), paths, strict=True):
        if not p.is_file():
            raise UsageError(f"{opt}: no such file {p}")
    return TargetSpec(host, port, *paths, **kw)  # type: ignore[arg-type]


def observe_target(spec: TargetSpec) -> TargetObservation:
    """Run every probe against the target. Raises UsageError when the client cannot be set up."""
    t0 = time.monotonic()
    name = spec.server_name or spec.host
    base = ClientSpec(spec.host, spec.port, ca=spec.ca, cert=spec.cert, key=spec.key, server_name=name,
                      timeout=spec.timeout, read_wait=spec.read_wait)
    try:
        valid = probe("valid client certificate", base)
        if valid.outcome is Outcome.ERROR:
            return TargetObservation(spec.target, name, valid, duration_s=time.monotonic() - t0)
        no_cert = probe("no client certificate", replace(base, cert=None, key=None))
        intruder = _self_signed_probe(base)
        legacy = tuple(probe(v, replace(base, min_version=v, max_version=v, legacy=True))
                       for v in ("TLSv1", "TLSv1.1"))
        pq = probe(f"only {PQ_GROUP}", replace(base, groups=PQ_GROUP)) if spec.pq or spec.require_pq else None
    except ProbeSetupError as exc:
        raise UsageError(str(exc)) from None
    infos = chainmod.inspect_chain(valid.peer_chain_der)
    matches = chainmod.name_matches(infos[0], name) if infos else None
    return TargetObservation(spec.target, name, valid, no_cert, intruder, legacy, pq, infos, matches,
                             time.monotonic() - t0, require_pq=spec.require_pq, pq_group=PQ_GROUP)


def _self_signed_probe(base: ClientSpec) -> ProbeResult:
    with tempfile.TemporaryDirectory(prefix="secscan-mtls-") as tmp:
        cert, key = self_signed_client().write(Path(tmp))
        return probe("fresh self-signed certificate", replace(base, cert=cert, key=key))


def check_target(spec: TargetSpec) -> Verdict:
    """Probe the target and judge it."""
    return target_verdict(observe_target(spec))


def observe_self_test(timeout: float = DEFAULT_TIMEOUT, read_wait: float = DEFAULT_READ_WAIT, *,
                      server_mode: Mode = "required") -> SelfTestObservation:
    """Build a throwaway PKI, start a loopback server requiring client certificates, and run the six cases.

    ``server_mode`` exists for tests: any other mode must make the self-test fail.
    """
    t0 = time.monotonic()
    versions = (openssl_version(), ssl.OPENSSL_VERSION)
    try:
        pki = build_self_test_pki()
        pki_s = time.monotonic() - t0
        with tempfile.TemporaryDirectory(prefix="secscan-mtls-") as tmp:
            files = pki.write(Path(tmp))
            server_files = ServerFiles(*files["server"], client_ca=files["ca"][0])
            # the server is ours: its own timeout never cuts a case short (a connection it dropped would
            # read as a rejection); the probes' timeout bounds the self-test
            with LoopbackServer(server_files, server_mode, timeout=max(timeout, DEFAULT_TIMEOUT)) as server:
                host, port = server.address
                base = ClientSpec(host, port, ca=files["ca"][0], server_name="localhost", timeout=timeout,
                                  read_wait=read_wait)
                cases = tuple(_case(name, cred, expect, version, base, files)
                              for name, cred, expect, version in SELF_TEST_CASES)
    except (OSError, ProbeSetupError, ValueError) as exc:
        return SelfTestObservation((), time.monotonic() - t0, 0.0, *versions, error=str(exc))
    return SelfTestObservation(cases, time.monotonic() - t0, pki_s, *versions)


def _case(name: str, cred: str | None, expect: Outcome, version: str | None, base: ClientSpec,
          files: dict[str, tuple[Path, Path]]) -> SelfTestCase:
    cert, key = files[cred] if cred else (None, None)
    return SelfTestCase(name, expect, probe(name, replace(base, cert=cert, key=key)), version)


def self_test(timeout: float = DEFAULT_TIMEOUT) -> Verdict:
    """Run the self-test and judge it."""
    return self_test_verdict(observe_self_test(timeout))


