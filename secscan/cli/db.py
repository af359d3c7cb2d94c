"""``secscan db update|status|import``: the local advisory database offline audits use.

Exit codes: 0 installed (status: a database is installed); 2 usage or input error (import of a path that
is not there); 3 nothing was installed (download or verification failed: the previous database stays in
use) or, for status, no database is installed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from secscan.analyzers.advisories import db_store, db_update
from secscan.results.gate import EXIT_INCOMPLETE, EXIT_OK, EXIT_USAGE


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The db subcommands."""
    sub = p.add_subparsers(dest="db_command", required=True)
    up = sub.add_parser("update", help="download, verify and install advisory records")
    up.add_argument("--source", default="osv",
                    help="osv (osv.dev per-ecosystem archives, default), pypa (PyPA advisory-database), "
                         "an https:// URL of an archive, or a local archive or folder")
    up.add_argument("--ecosystems", default=",".join(db_update.ECOSYSTEMS),
                    help="with --source osv: ecosystems to fetch (default PyPI,npm)")
    up.add_argument("--base-url", default=db_update.OSV_BASE,
                    help="with --source osv: the archives' base URL")
    up.add_argument("--sha256", default=None, help="expected sha256 of the (single) archive")
    up.add_argument("--timeout", type=float, default=60.0, help="network timeout in seconds (default 60)")
    imp = sub.add_parser("import", help="install an archive or folder copied in (air-gapped networks)")
    imp.add_argument("path", type=Path)
    imp.add_argument("--sha256", default=None, help="expected sha256 of the archive")
    st = sub.add_parser("status", help="source, date, record counts and age of the installed database")
    st.add_argument("--format", choices=("text", "json"), default="text")
    for q in (up, imp, st):
        q.add_argument("--db-dir", type=Path, default=None,
                       help=f"database root (default ${db_store.ENV} or ~/.cache/secscan/advisories)")


def run(args: argparse.Namespace) -> int:
    """Run one db subcommand."""
    root = args.db_dir or db_store.default_root()
    if args.db_command == "status":
        return _status(root, args.format)
    try:
        if args.db_command == "import":
            if not args.path.exists():
                print(f"secscan: error: {args.path}: no such file or folder", file=sys.stderr)
                return EXIT_USAGE
            folder, meta = db_update.import_path(root, args.path, args.sha256)
        else:
            ecos = [e.strip() for e in args.ecosystems.split(",") if e.strip()]
            folder, meta = db_update.update(root, args.source, ecos, args.sha256, args.base_url, args.timeout)
    except db_store.DbError as exc:
        kept = db_store.current(root)
        still = f"; still in use: {kept}" if kept else "; no database is installed"
        print(f"secscan: db {args.db_command} failed: {exc}{still}", file=sys.stderr)
        return EXIT_INCOMPLETE
    print(f"installed {folder}: {_counts(meta)}")
    return EXIT_OK


def _counts(meta: dict[str, Any]) -> str:
    per = ", ".join(f"{eco} {n}" for eco, n in (meta.get("records") or {}).items()) or "none"
    extra = [f"{meta[k]} {k}" for k in ("unreadable", "withdrawn") if meta.get(k)]
    return f"{meta.get('total', 0)} records ({per})" + (f"; {', '.join(extra)}" if extra else "")


def _status(root: Path, fmt: str) -> int:
    folder = db_store.current(root)
    if folder is None:
        msg = f"no advisory database installed in {root} (secscan db update, or secscan db import PATH)"
        print(json.dumps({"installed": False, "root": str(root)}) if fmt == "json" else msg)
        return EXIT_INCOMPLETE
    meta = db_store.read_meta(folder)
    age = db_store.age_days(meta)
    if fmt == "json":
        print(json.dumps({"installed": True, "folder": str(folder), "age_days": age, **meta}, indent=2))
        return EXIT_OK
    print(f"folder:    {folder}")
    print(f"source:    {meta.get('source')}")
    for f in meta.get("files") or []:
        print(f"  {f.get('url') or f.get('path')}  sha256 {f.get('sha256')}")
    print(f"installed: {meta.get('installed_at')}")
    print(f"data date: {meta.get('as_of')}" + (f" ({age:.1f} days old)" if age is not None else ""))
    print(f"records:   {_counts(meta)}")
    return EXIT_OK
