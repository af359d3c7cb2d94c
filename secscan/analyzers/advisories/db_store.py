"""Where ``secscan db`` installs advisory databases, and how an install is made atomic.

The root (``~/.cache/secscan/advisories``, ``$XDG_CACHE_HOME/secscan/advisories``, or
``$SECSCAN_ADVISORY_DIR``) holds version folders and a ``current`` file naming the one in use. An install
fills a hidden staging folder, indexes it (:mod:`.db_index`), renames it into place and only then replaces
``current`` (``os.replace``): a failed update leaves the last good database in use, untouched. The
previous version is kept beside the new one; older ones are removed.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from secscan.analyzers.advisories import db_build, db_index

ENV = "SECSCAN_ADVISORY_DIR"


class DbError(Exception):
    """An update or import that did not install anything: one line, said to the user."""


def default_root() -> Path:
    """The folder installed databases live in."""
    if os.environ.get(ENV):
        return Path(os.environ[ENV])
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "secscan" / "advisories"


def current(root: Path | None = None) -> Path | None:
    """The version folder in use, or None when nothing usable is installed."""
    folder = db_index.installed_folder(root or default_root())
    return folder if folder is not None and db_index.is_indexed(folder) else None


def read_meta(folder: Path) -> dict[str, Any]:
    """meta.json of a version folder ({} when unreadable)."""
    try:
        meta = json.loads((folder / db_index.META).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def age_days(meta: dict[str, Any], now: float | None = None) -> float | None:
    """Days since the data's date (``as_of``), or None when the meta has none."""
    try:
        as_of = datetime.fromisoformat(str(meta["as_of"]).replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return None
    if as_of.tzinfo is None:
        as_of = as_of.replace(tzinfo=UTC)
    return max(0.0, ((now or time.time()) - as_of.timestamp()) / 86400)


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


def install(root: Path, fill: Callable[[Path], dict[str, Any]]) -> tuple[Path, dict[str, Any]]:
    """Fill a staging folder's ``sources`` (``fill`` returns what meta.json should say of them and raises
    DbError on failure), index it and make it current; nothing changes when any step fails."""
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=root))
    try:
        sources = staging / "sources"
        sources.mkdir()
        meta = fill(sources)
        db = db_build.build(sources, staging)
        if db.problem:
            raise DbError(db.problem)
        now = datetime.now(UTC).replace(microsecond=0)
        meta = {"format": db_index.FORMAT, **meta, "installed_at": now.isoformat(),
                "records": dict(sorted(db.per_ecosystem.items())), "total": db.records,
                "unreadable": db.unreadable, "withdrawn": db.withdrawn, "errors": db.errors[:5]}
        meta["newest_record"] = (db.info or {}).get("newest_record")
        # a download is as new as its date; a copy brought in is as old as its newest record
        by_records = meta.pop("dated_by_records", False) and meta["newest_record"]
        meta["as_of"] = by_records or meta["installed_at"]
        (staging / db_index.META).write_text(json.dumps(meta, indent=2) + "\n", "utf-8")
        shutil.rmtree(sources)  # the index holds what secscan reads of them
        name = f"v{now.strftime('%Y%m%dT%H%M%SZ')}-{staging.name.removeprefix('.staging-')}"
        final = root / name
        os.replace(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    previous = db_index.installed_folder(root)
    _write_atomic(root / db_index.CURRENT, name + "\n")
    prune(root, keep={name, previous.name if previous else ""})
    return final, meta


def prune(root: Path, keep: set[str]) -> None:
    """Remove version folders other than keep (and stale staging folders older than a day)."""
    for p in root.iterdir():
        if not p.is_dir() or p.name in keep:
            continue
        stale = p.name.startswith(".staging-") and time.time() - p.stat().st_mtime > 86400
        if p.name.startswith("v") or stale:
            shutil.rmtree(p, ignore_errors=True)
