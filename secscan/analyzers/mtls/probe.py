"""Client probes: one TLS connection each, classified as accepted, rejected (and how) or error.

TLS 1.3: the client's handshake completes before the server has looked at the client certificate; a
rejection arrives as an alert on the first read. So every probe reads after the handshake, and an alert,
an SSL error, EOF or a reset there counts as a rejection. A server that says nothing within ``read_wait``
seconds has not rejected the connection (many servers wait for the client to speak first).
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import socket
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding
from OpenSSL import SSL

from secscan.analyzers.mtls.results import Outcome, ProbeResult
from secscan.analyzers.mtls.tlsio import VERSIONS, Deadline, alert_name, io_retry, set_groups, ssl_error_text


@dataclass(frozen=True)
class ClientSpec:
    """How to connect: where, trusting what, presenting what, offering which versions and groups."""

    host: str
    port: int
    ca: Path | None = None
    cert: Path | None = None
    key: Path | None = None
    server_name: str | None = None
    timeout: float = 10.0
    read_wait: float = 2.0
    min_version: str | None = None
    max_version: str | None = None
    groups: str | None = None
    legacy: bool = False  # allow old protocols and ciphers (security level 0) for the TLS < 1.2 probe


class ProbeSetupError(ValueError):
    """The client side cannot be set up (unreadable CA, certificate or key, unsupported group)."""


def is_ip(name: str) -> bool:
    """True for an IPv4/IPv6 literal."""
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def build_context(spec: ClientSpec, verify_errors: list[str]) -> SSL.Context:
    """A client context for spec; verification problems of the server chain go into verify_errors."""
    ctx = SSL.Context(SSL.TLS_CLIENT_METHOD)
    try:
        if spec.legacy:
            ctx.set_cipher_list(b"DEFAULT:@SECLEVEL=0")
        if spec.min_version:
            ctx.set_min_proto_version(VERSIONS[spec.min_version])
        if spec.max_version:
            ctx.set_max_proto_version(VERSIONS[spec.max_version])
        if spec.groups:
            set_groups(ctx, spec.groups)
        if spec.ca is not None:
            ctx.load_verify_locations(str(spec.ca))
        if spec.cert is not None:
            ctx.use_certificate_chain_file(str(spec.cert))
            ctx.use_privatekey_file(str(spec.key or spec.cert))
            ctx.check_privatekey()
    except (SSL.Error, OSError, ValueError, KeyError) as exc:
        text = ssl_error_text(exc) if isinstance(exc, SSL.Error) else str(exc)
        raise ProbeSetupError(f"cannot set up the TLS client: {text}") from None

    def _verify(conn: SSL.Connection, cert: object, err: int, depth: int, ok: int) -> bool:
        if not ok:
            verify_errors.append(f"depth {depth}: {_verify_error_text(err)}")
        return True  # decide afterwards, so that a rejection by the server can still be observed

    if spec.ca is None:
        verify_errors.append("no CA given: server not verified")
    ctx.set_verify(SSL.VERIFY_PEER, _verify)
    return ctx


def _verify_error_text(err: int) -> str:
    from OpenSSL._util import ffi, lib

    raw = lib.X509_verify_cert_error_string(err)
    return ffi.string(raw).decode("ascii", "replace") if raw != ffi.NULL else f"error {err}"


def _classify(exc: BaseException, stage: str) -> tuple[Outcome, str, bool]:
    """(outcome, how, timed_out) for an exception raised in the handshake or the first read."""
    if isinstance(exc, Deadline | TimeoutError):
        return Outcome.ERROR, f"timed out in the {stage}", True
    if isinstance(exc, SSL.ZeroReturnError):
        return Outcome.REJECTED, "eof (close_notify)", False
    if isinstance(exc, SSL.SysCallError):
        code = exc.args[0] if exc.args else -1
        if code in (errno.ECONNRESET, errno.EPIPE, errno.ECONNABORTED):
            return Outcome.REJECTED, "reset", False
        return Outcome.REJECTED, "eof", False
    if isinstance(exc, ConnectionResetError | BrokenPipeError | ConnectionAbortedError):
        return Outcome.REJECTED, "reset", False
    text = ssl_error_text(exc)
    alert = alert_name(text)
    if alert:
        return Outcome.REJECTED, f"alert {alert}", False
    if stage == "read":
        return Outcome.REJECTED, f"tls error: {text}", False
    return Outcome.ERROR, f"tls error: {text}", False


def _connect(spec: ClientSpec) -> socket.socket:
    return socket.create_connection((spec.host, spec.port), timeout=spec.timeout)


def probe(label: str, spec: ClientSpec) -> ProbeResult:
    """Connect once as described by spec and report what the server did. Raises only ProbeSetupError."""
    verify_errors: list[str] = []
    ctx = build_context(spec, verify_errors)
    t0 = time.monotonic()
    deadline = t0 + spec.timeout
    try:
        sock = _connect(spec)
    except TimeoutError:
        return ProbeResult(label, Outcome.ERROR, "timed out connecting", "connect", timed_out=True,
                           total_ms=_ms(t0), error=f"no TCP connection within {spec.timeout:g}s")
    except OSError as exc:
        return ProbeResult(label, Outcome.ERROR, "cannot connect", "connect", total_ms=_ms(t0),
                           error=exc.strerror or str(exc))
    with sock:
        return _tls(label, spec, ctx, sock, t0, deadline, verify_errors)


def _tls(label: str, spec: ClientSpec, ctx: SSL.Context, sock: socket.socket, t0: float, deadline: float,
         verify_errors: list[str]) -> ProbeResult:
    connect_ms = _ms(t0)
    sock.setblocking(False)
    conn = SSL.Connection(ctx, sock)
    name = spec.server_name or spec.host
    if not is_ip(name):
        conn.set_tlsext_host_name(name.encode("idna"))
    conn.set_connect_state()
    t1 = time.monotonic()
    try:
        io_retry(sock, conn.do_handshake, deadline)
    except (SSL.Error, OSError, Deadline) as exc:
        outcome, how, timed_out = _classify(exc, "handshake")
        return ProbeResult(label, outcome, how, "handshake", connect_ms=connect_ms, handshake_ms=_ms(t1),
                           total_ms=_ms(t0), timed_out=timed_out, error=_err(exc),
                           verify_errors=tuple(verify_errors))
    handshake_ms = _ms(t1)
    chain = conn.get_peer_cert_chain(as_cryptography=True) or []
    version, cipher, group = conn.get_protocol_version_name(), conn.get_cipher_name(), conn.get_group_name()
    outcome, how, error = _first_read(sock, conn, deadline, spec.read_wait)
    with contextlib.suppress(SSL.Error, OSError, Deadline):
        if outcome is Outcome.ACCEPTED:
            io_retry(sock, conn.shutdown, min(deadline, time.monotonic() + 0.2))
    return ProbeResult(label, outcome, how, "read", version, cipher, group, connect_ms=connect_ms,
                       handshake_ms=handshake_ms, total_ms=_ms(t0), error=error,
                       timed_out=outcome is Outcome.ERROR and how.startswith("timed out"),
                       verify_errors=tuple(verify_errors),
                       peer_chain_der=tuple(c.public_bytes(Encoding.DER) for c in chain))


def _first_read(sock: socket.socket, conn: SSL.Connection, deadline: float,
                wait: float) -> tuple[Outcome, str, str | None]:
    """Read once after the handshake: data or silence for ``wait`` seconds is acceptance, an alert/EOF/reset
    is rejection. Silence cut short by the probe's deadline tells nothing: a time-out (ERROR), never an
    acceptance (a TLS 1.3 server rejects a client certificate after the handshake)."""
    until = time.monotonic() + wait
    try:
        data = io_retry(sock, lambda: conn.recv(4096), min(deadline, until))
    except Deadline:
        if deadline < until:
            return Outcome.ERROR, f"timed out in the read (the {wait:g}s wait for a rejection did not fit " \
                                  "in the timeout)", None
        return Outcome.ACCEPTED, f"no rejection within {wait:g}s", None
    except (SSL.Error, OSError) as exc:
        outcome, how, _ = _classify(exc, "read")
        return outcome, how, _err(exc)
    if not data:
        return Outcome.REJECTED, "eof", None
    return Outcome.ACCEPTED, "application data", None


def _err(exc: BaseException) -> str:
    return ssl_error_text(exc) if isinstance(exc, SSL.Error) else (str(exc) or type(exc).__name__)


def _ms(since: float) -> float:
    return (time.monotonic() - since) * 1000.0
