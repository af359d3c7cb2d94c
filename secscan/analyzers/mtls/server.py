"""A loopback TLS server (127.0.0.1, port 0) for the self-test and the tests.

Modes: ``required`` (client certificate required and verified), ``optional`` (verified when sent),
``none`` (never asked for), ``any-ca`` (required, but a verify callback accepts anything: the classic bug),
``pq`` (required, and only the hybrid group X25519MLKEM768 plus X25519). ``required``, ``optional`` and
``none`` use the system ``ssl`` module; ``any-ca`` and ``pq`` use pyOpenSSL (cryptography's OpenSSL).
After a successful handshake the server writes ``GREETING`` and closes (``after="greet"``), says nothing
until the client leaves (``"silent"``, like an HTTP server), or closes at once (``"close"``).
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Literal

from OpenSSL import SSL

from secscan.analyzers.mtls.tlsio import PQ_GROUP, VERSIONS, Deadline, io_retry, set_groups, ssl_error_text

Mode = Literal["required", "optional", "none", "any-ca", "pq"]
After = Literal["greet", "silent", "close"]
GREETING = b"secscan-mtls-ok\n"
_POLL_S = 0.05


@dataclass(frozen=True)
class ServerFiles:
    """PEM files the server loads."""

    cert: Path
    key: Path
    client_ca: Path


@dataclass(frozen=True)
class ServerEvent:
    """What the server saw for one connection."""

    ok: bool
    detail: str  # negotiated version, or the handshake error


class LoopbackServer:
    """A TLS server thread on 127.0.0.1; use as a context manager."""

    def __init__(self, files: ServerFiles, mode: Mode = "required", *, timeout: float = 10.0,
                 min_version: str | None = None, max_version: str | None = None, groups: str | None = None,
                 after: After = "greet") -> None:
        self.files, self.mode, self.timeout, self.after = files, mode, timeout, after
        self.min_version, self.max_version, self.groups = min_version, max_version, groups
        self.events: list[ServerEvent] = []
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(_POLL_S)
        host, port = self._listener.getsockname()[:2]
        self._address = (str(host), int(port))
        self._thread = threading.Thread(target=self._serve, name=f"mtls-server-{mode}", daemon=True)
        self._ssl_ctx = self._make_ssl_ctx() if mode in ("required", "optional", "none") else None
        self._ossl_ctx = self._make_ossl_ctx() if self._ssl_ctx is None else None

    @property
    def address(self) -> tuple[str, int]:
        """(host, port) the server listens on."""
        return self._address

    @property
    def target(self) -> str:
        """HOST:PORT."""
        host, port = self.address
        return f"{host}:{port}"

    def start(self) -> LoopbackServer:
        """Start serving in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the thread and close the listening socket."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(self.timeout + 1.0)
        self._listener.close()

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def _make_ssl_ctx(self) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        if self.min_version is not None:
            with warnings.catch_warnings():  # deliberately legacy: a test server for the TLS < 1.2 probe
                warnings.simplefilter("ignore", DeprecationWarning)
                ctx.minimum_version = getattr(ssl.TLSVersion, self.min_version.replace(".", "_"))
            ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        if self.max_version is not None:
            ctx.maximum_version = getattr(ssl.TLSVersion, self.max_version.replace(".", "_"))
        ctx.load_cert_chain(self.files.cert, self.files.key)
        ctx.load_verify_locations(cafile=str(self.files.client_ca))
        ctx.verify_mode = {"required": ssl.CERT_REQUIRED, "optional": ssl.CERT_OPTIONAL,
                           "none": ssl.CERT_NONE}[self.mode]
        return ctx

    def _make_ossl_ctx(self) -> SSL.Context:
        ctx = SSL.Context(SSL.TLS_SERVER_METHOD)
        ctx.set_min_proto_version(VERSIONS[self.min_version or "TLSv1.2"])
        if self.max_version is not None:
            ctx.set_max_proto_version(VERSIONS[self.max_version])
        ctx.use_certificate_file(str(self.files.cert))
        ctx.use_privatekey_file(str(self.files.key))
        ctx.load_verify_locations(str(self.files.client_ca))
        ctx.load_client_ca(str(self.files.client_ca).encode())
        flags = SSL.VERIFY_PEER | SSL.VERIFY_FAIL_IF_NO_PEER_CERT
        if self.mode == "any-ca":
            ctx.set_verify(flags, lambda conn, cert, errno, depth, ok: True)
        else:
            ctx.set_verify(flags)
        if self.mode == "pq" or self.groups:
            set_groups(ctx, self.groups or f"{PQ_GROUP}:X25519")
        return ctx

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self.events.append(self._handle(conn))

    def _handle(self, conn: socket.socket) -> ServerEvent:
        try:
            if self._ssl_ctx is not None:
                return self._handle_ssl(conn, self._ssl_ctx)
            return self._handle_ossl(conn)
        except (OSError, SSL.Error, Deadline) as exc:
            return ServerEvent(False, ssl_error_text(exc) if isinstance(exc, SSL.Error) else repr(exc))

    def _handle_ssl(self, conn: socket.socket, ctx: ssl.SSLContext) -> ServerEvent:
        conn.settimeout(self.timeout)
        with ctx.wrap_socket(conn, server_side=True) as tls:
            version = tls.version() or "?"
            if self.after == "greet":
                tls.sendall(GREETING)
            elif self.after == "silent":
                with contextlib.suppress(OSError):
                    while tls.recv(4096):
                        pass
            if self.after != "silent":
                with contextlib.suppress(OSError):
                    tls.unwrap()
        return ServerEvent(True, version)

    def _handle_ossl(self, conn: socket.socket) -> ServerEvent:
        assert self._ossl_ctx is not None
        conn.setblocking(False)
        tls = SSL.Connection(self._ossl_ctx, conn)
        tls.set_accept_state()
        deadline = time.monotonic() + self.timeout
        io_retry(conn, tls.do_handshake, deadline)
        version = tls.get_protocol_version_name()
        group = tls.get_group_name() or "?"
        if self.after == "greet":
            io_retry(conn, lambda: tls.sendall(GREETING), deadline)
        elif self.after == "silent":
            with contextlib.suppress(SSL.Error, Deadline):
                while io_retry(conn, lambda: tls.recv(4096), deadline):
                    pass
        with contextlib.suppress(SSL.Error, Deadline):
            io_retry(conn, tls.shutdown, min(deadline, time.monotonic() + 0.5))
        return ServerEvent(True, f"{version} {group}")
