"""Atomic file writes: a crash or a full disk leaves the old file or the new one, never a mix."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path


def _write_all(fd: int, data: bytes) -> None:
    """os.write until every byte is out (a short write is retried; ENOSPC and EIO raise)."""
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        if n <= 0:
            raise OSError(errno.EIO, "write made no progress")
        view = view[n:]


def atomic_write(path: Path, data: bytes) -> None:
    """Write data to path through a temporary file in the same folder, fsync, then os.replace.

    A crash or a full disk leaves either the old file or the new one, never a mix. When path is a symbolic
    link, the link itself is replaced (rename never follows it): nothing is written through it.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        try:
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable (not possible everywhere)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
