"""Small helpers around pyOpenSSL: non-blocking I/O with a deadline, groups, versions, error text."""

from __future__ import annotations

import re
import select
import socket
import time
from collections.abc import Callable
from typing import TypeVar

from OpenSSL import SSL

T = TypeVar("T")

PQ_GROUP = "X25519MLKEM768"

VERSIONS: dict[str, int] = {
    "TLSv1": SSL.TLS1_VERSION,
    "TLSv1.1": SSL.TLS1_1_VERSION,
    "TLSv1.2": SSL.TLS1_2_VERSION,
    "TLSv1.3": SSL.TLS1_3_VERSION,
}


class Deadline(Exception):
    """The operation did not finish before its deadline."""


def openssl_version() -> str:
    """The OpenSSL that pyOpenSSL (cryptography) is built with."""
    return SSL.OpenSSL_version(SSL.OPENSSL_VERSION).decode("ascii", "replace")


def set_groups(ctx: SSL.Context, groups: str) -> None:
    """Restrict the key-exchange groups a context offers or accepts (colon-separated names)."""
    setter = getattr(ctx, "set_groups", None)
    if callable(setter):
        setter(groups.split(":"))
        return
    from OpenSSL._util import lib  # pyOpenSSL < 26 has no public setter

    if lib.SSL_CTX_set1_curves_list(ctx._context, groups.encode("ascii")) != 1:
        raise ValueError(f"this OpenSSL ({openssl_version()}) does not support the groups {groups}")


def io_retry(sock: socket.socket, fn: Callable[[], T], deadline: float) -> T:
    """Call fn on a non-blocking connection, waiting for the socket until it completes or the deadline."""
    while True:
        try:
            return fn()
        except SSL.WantReadError:
            wait_read = True
        except SSL.WantWriteError:
            wait_read = False
        left = deadline - time.monotonic()
        if left <= 0:
            raise Deadline
        rlist, wlist = ([sock], []) if wait_read else ([], [sock])
        ready = select.select(rlist, wlist, [], left)
        if not any(ready):
            raise Deadline


_ALERT = re.compile(r"alert ([a-z0-9 _]+)$", re.IGNORECASE)


def ssl_error_text(exc: BaseException) -> str:
    """The last OpenSSL reason string of a pyOpenSSL error, or the exception's text."""
    args = getattr(exc, "args", ())
    if args and isinstance(args[0], list) and args[0]:
        entry = args[0][-1]
        if isinstance(entry, tuple) and entry:
            return str(entry[-1])
    return str(exc) or type(exc).__name__


def alert_name(text: str) -> str | None:
    """'tlsv13 alert certificate required' -> 'certificate_required'; None when not an alert."""
    m = _ALERT.search(text.strip())
    if not m:
        return None
    return m.group(1).strip().lower().replace(" ", "_")
