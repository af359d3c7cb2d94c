"""``secscan db update`` and ``secscan db import``: fetch or copy advisory records, verify, install.

Sources: ``osv`` (osv.dev's per-ecosystem ``<base>/<ecosystem>/all.zip``), ``pypa`` (the PyPA
advisory-database as a zip of the repository), a URL of such an archive, or a local file or folder.
Downloads use urllib over HTTPS (plain HTTP only to the loopback, for tests), honour ``HTTPS_PROXY``
through urllib's proxy handler, and are verified before anything is installed: HTTP status, the size
the server announced, a size limit, zip integrity (every member's CRC), an optional sha256, and at least
one readable record. Any failure is one line (:class:`.db_store.DbError`) and the installed database
stays as it was.
"""

from __future__ import annotations

import hashlib
import shutil
import urllib.error
import urllib.request
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from secscan.analyzers.advisories.db_store import DbError, install
from secscan.analyzers.advisories.osv import RECORD_SUFFIXES

OSV_BASE = "https://osv-vulnerabilities.storage.googleapis.com"
PYPA_URL = "https://github.com/pypa/advisory-database/archive/refs/heads/main.zip"
ECOSYSTEMS = ("PyPI", "npm")
MAX_DOWNLOAD = 2 * 1024**3
CHUNK = 1024 * 1024
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK):
        return
    raise DbError(f"{url}: only https:// URLs are fetched (plain http only from the loopback)")


def download(url: str, dest: Path, timeout: float = 60.0, max_bytes: int = MAX_DOWNLOAD) -> str:
    """Fetch url into dest and return its sha256; DbError (one line) when anything goes wrong."""
    _check_url(url)
    digest = hashlib.sha256()
    size = 0
    try:
        req = urllib.request.Request(url, headers={"User-Agent": "secscan-db"})  # noqa: S310 - scheme checked
        opener = urllib.request.build_opener()  # a new one: its ProxyHandler reads HTTPS_PROXY now
        with opener.open(req, timeout=timeout) as resp, dest.open("wb") as fh:
            announced = resp.headers.get("Content-Length")
            while chunk := resp.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise DbError(f"{url}: larger than {max_bytes} bytes, not installed")
                digest.update(chunk)
                fh.write(chunk)
    except urllib.error.HTTPError as exc:
        raise DbError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise DbError(f"{url}: {_why(exc.reason)}") from None
    except TimeoutError as exc:
        raise DbError(f"{url}: timed out after {timeout:.0f}s ({exc})") from None
    except OSError as exc:
        raise DbError(f"{url}: {_why(exc)}") from None
    if announced is not None and announced.isdigit() and int(announced) != size:
        raise DbError(f"{url}: truncated download ({size} of {announced} bytes)")
    return digest.hexdigest()


def _why(reason: Any) -> str:
    text = str(getattr(reason, "strerror", None) or reason).splitlines()
    return (text[0] if text else type(reason).__name__)[:300]


def verify_zip(path: Path, label: str) -> int:
    """Number of record files in a zip archive whose every member reads back (CRC checked)."""
    try:
        with zipfile.ZipFile(path) as zf:
            bad = zf.testzip()
            if bad is not None:
                raise DbError(f"{label}: damaged zip archive (member {bad} fails its CRC check)")
            count = sum(1 for i in zf.infolist() if i.filename.lower().endswith(RECORD_SUFFIXES))
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise DbError(f"{label}: not a readable zip archive ({_why(exc)})") from None
    if count == 0:
        raise DbError(f"{label}: the archive holds no advisory record (*.json, *.yaml)")
    return count


def urls_for(source: str, ecosystems: Sequence[str], base: str = OSV_BASE) -> list[str]:
    """The archives a source names."""
    if source == "osv":
        return [f"{base.rstrip('/')}/{eco}/all.zip" for eco in ecosystems]
    if source == "pypa":
        return [PYPA_URL]
    return [source]


def update(root: Path, source: str = "osv", ecosystems: Sequence[str] = ECOSYSTEMS, sha256: str | None = None,
           base: str = OSV_BASE, timeout: float = 60.0) -> tuple[Path, dict[str, Any]]:
    """Download, verify and install the source's archives (a local path is imported)."""
    if source not in ("osv", "pypa") and "://" not in source:
        return import_path(root, Path(source), sha256)
    urls = urls_for(source, ecosystems, base)
    if sha256 and len(urls) != 1:
        raise DbError("--sha256 checks one archive: give one ecosystem or one URL")

    def fill(sources: Path) -> dict[str, Any]:
        files = []
        for n, url in enumerate(urls):
            dest = sources / f"{n}-{Path(urlsplit(url).path).name or 'archive.zip'}"
            digest = download(url, dest, timeout)
            if sha256 and digest != sha256.lower():
                raise DbError(f"{url}: sha256 {digest} is not the expected {sha256.lower()}")
            files.append({"url": url, "sha256": digest, "bytes": dest.stat().st_size,
                          "record_files": verify_zip(dest, url)})
        return {"source": source, "ecosystems": list(ecosystems) if source == "osv" else None, "files": files}

    return install(root, fill)


def import_path(root: Path, path: Path, sha256: str | None = None) -> tuple[Path, dict[str, Any]]:
    """Install an archive or folder a user copied in (air-gapped networks); its date is its newest record."""
    if not path.exists():
        raise DbError(f"{path}: no such file or folder")

    def fill(sources: Path) -> dict[str, Any]:
        info: dict[str, Any] = {"source": f"import {path}", "files": [], "dated_by_records": True}
        if path.is_dir():
            shutil.copytree(path, sources / "tree", ignore=shutil.ignore_patterns(".git"))
        else:
            dest = sources / path.name
            shutil.copyfile(path, dest)
            digest = hashlib.sha256(dest.read_bytes()).hexdigest()
            if sha256 and digest != sha256.lower():
                raise DbError(f"{path}: sha256 {digest} is not the expected {sha256.lower()}")
            count = verify_zip(dest, str(path)) if zipfile.is_zipfile(dest) else None
            info["files"] = [{"path": str(path), "sha256": digest, "record_files": count}]
        return info

    folder, meta = install(root, fill)
    return folder, meta
