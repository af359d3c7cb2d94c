"""Progress display: a live table on a terminal, plain lines otherwise, nothing with --quiet."""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO


class Progress:
    """Receives (scanner, event, seconds) from the engine; thread-safe."""

    def __init__(self, stream: TextIO | None = None, quiet: bool = False, live: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.live = self.stream.isatty() if live is None else live
        self._lock = threading.Lock()
        self._started: dict[str, float] = {}
        self._done: dict[str, str] = {}
        self._drawn = 0
        self._ticker: threading.Thread | None = None
        self._stop = threading.Event()

    def __call__(self, scanner: str, event: str, seconds: float) -> None:
        if self.quiet:
            return
        with self._lock:
            if event == "start":
                self._started[scanner] = time.monotonic()
                if not self.live:
                    self.stream.write(f"secscan: {scanner} started\n")
            else:
                status = event.split(":", 1)[1] if ":" in event else event
                self._done[scanner] = status
                if not self.live:
                    self.stream.write(f"secscan: {scanner} {status} ({seconds:.1f}s)\n")
            if self.live:
                self._draw()
                self._ensure_ticker()
            self.stream.flush()

    def _ensure_ticker(self) -> None:
        if self._ticker is None:
            self._ticker = threading.Thread(target=self._tick, daemon=True)
            self._ticker.start()

    def _tick(self) -> None:
        while not self._stop.wait(0.5):
            with self._lock:
                self._draw()
                self.stream.flush()

    def _draw(self) -> None:
        if self._drawn:
            self.stream.write(f"\x1b[{self._drawn}F")
        now = time.monotonic()
        lines = []
        for name in sorted(set(self._started) | set(self._done)):
            if name in self._done:
                lines.append(f"  {name:<16} {self._done[name]}")
            else:
                lines.append(f"  {name:<16} running {now - self._started[name]:5.1f}s")
        for line in lines:
            self.stream.write("\x1b[2K" + line + "\n")
        self._drawn = len(lines)

    def close(self) -> None:
        """Stop the live redraw."""
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join(timeout=1)
