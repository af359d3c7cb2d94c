"""A 127.0.0.1 HTTP server for the `secscan db` tests, serving OSV-style archives built from the fixtures.

Routes: ``/<ecosystem>/all.zip`` (osv.dev's layout, built from tests/fixtures/osv and
tests/fixtures/advisories), ``/truncated.zip`` (announces more bytes than it sends), ``/error.zip``
(HTTP 500), ``/slow.zip`` (answers after ``SLOW_S`` seconds), ``/notzip.zip`` (200 with HTML). Every
request's path is recorded in ``server.seen``.
"""

from __future__ import annotations

import io
import threading
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SLOW_S = 3.0


def records(ecosystem: str) -> dict[str, bytes]:
    """Fixture records of an ecosystem as JSON: name -> bytes."""
    out = {p.name: p.read_bytes() for p in sorted((FIXTURES / "osv" / ecosystem).glob("*.json"))}
    out.update({p.name: p.read_bytes() for p in sorted((FIXTURES / "advisories" / ecosystem).glob("*.json"))})
    return out


def build_zip(files: dict[str, bytes]) -> bytes:
    """A zip archive of the files (deflated, as osv.dev's are)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


@dataclass
class Server:
    """The running server: its base URL, its archives (replaceable by tests), the paths asked for."""

    base: str
    archives: dict[str, bytes]
    seen: list[str] = field(default_factory=list)


@contextmanager
def serve() -> Iterator[Server]:
    """Run the server on 127.0.0.1 (an ephemeral port) for the duration of the block."""
    archives = {"/PyPI/all.zip": build_zip(records("PyPI")), "/npm/all.zip": build_zip(records("npm"))}
    state = Server("", archives)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _send(self, code: int, body: bytes, length: int | None = None) -> None:
            self.send_response(code)
            self.send_header("Content-Length", str(len(body) if length is None else length))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            state.seen.append(self.path)  # absolute (http://host/...) when asked as a proxy
            path = urlsplit(self.path).path
            whole = state.archives["/PyPI/all.zip"]
            if path in state.archives:
                self._send(200, state.archives[path])
            elif path == "/truncated.zip":
                self._send(200, whole[: len(whole) // 2], len(whole))
                self.close_connection = True
            elif path == "/error.zip":
                self._send(500, b"internal error")
            elif path == "/slow.zip":
                time.sleep(SLOW_S)
                self._send(200, whole)
            elif path == "/notzip.zip":
                self._send(200, b"<html>captive portal</html>")
            else:
                self._send(404, b"not found")

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    state.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
