"""Writing reports: atomically, into a fixed set of file names, never half-written."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from secscan.core.atomic import atomic_write
from secscan.core.errors import SecscanError
from secscan.core.model import Result
from secscan.formats.interface import REPORT_FILES, Format


def _problem(exc: OSError) -> str:
    return exc.strerror or exc.__class__.__name__


def _encode(content: str | bytes) -> bytes:
    # "replace": a lone surrogate from undecodable scanner output must not abort the report
    return content if isinstance(content, bytes) else content.encode("utf-8", "replace")


def render_all(result: Result, formats: Iterable[Format]) -> dict[str, bytes]:
    """Render every format first (a rendering bug writes nothing); file names must be in the fixed set."""
    files: dict[str, bytes] = {}
    for fmt in formats:
        for name, content in fmt.render(result).items():
            if name not in REPORT_FILES or name not in fmt.files:
                raise SecscanError(f"format {fmt.name} produced an unexpected file name {name!r}")
            files[name] = _encode(content)
    return files


def check_destination(output_dir: Path, target: Path) -> None:
    """Reports are never written through a symbolic link that leads out of the scanned tree: a folder the
    tree names (``reports`` committed as a link to /etc/...) may point anywhere. Raises SecscanError."""
    out, root = Path(os.path.abspath(output_dir)), Path(os.path.abspath(target))
    if not root.is_dir() or not out.is_relative_to(root):
        return  # a folder outside the tree is the caller's own choice
    real = out.resolve()
    if not real.is_relative_to(root.resolve()):
        raise SecscanError(f"refusing to write reports to {output_dir}: inside the scanned tree it is a "
                           f"symbolic link that leads out of it (to {real})")


def write_reports(
    result: Result, formats: Iterable[Format | str], output_dir: str | os.PathLike[str]
) -> list[Path]:
    """Render the formats and write each file atomically into output_dir (created when missing).

    Raises SecscanError with a clear message when the folder cannot be created or written (reports written
    before stay whole). Returns the paths written, in order.
    """
    from secscan.formats.registry import get

    fmts = [get(f) if isinstance(f, str) else f for f in formats]
    files = render_all(result, fmts)
    out = Path(output_dir)
    check_destination(out, Path(result.target))
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SecscanError(f"cannot create report folder {out}: {_problem(exc)}") from None
    if not out.is_dir():
        raise SecscanError(f"cannot write reports: {out} is not a folder")
    written: list[Path] = []
    for name, data in files.items():
        path = out / name
        try:
            atomic_write(path, data)
        except OSError as exc:
            done = f" (already written: {', '.join(p.name for p in written)})" if written else ""
            raise SecscanError(f"cannot write report {path}: {_problem(exc)}{done}") from None
        written.append(path)
    return written
