"""The dependency-audit cache: keyed by every file the audit reads, the advisory source and the mode.

Each test compares a cached run with a run without the cache on the same tree: a stale answer shows up as
different findings, and ``from_cache`` says whether the answer came from the cache at all.
"""

from __future__ import annotations

import json
import shutil
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

import secscan.run.cached
from secscan.analyzers.advisories.python_deps import referenced_files
from secscan.cli.main import main

FIXTURES = Path(__file__).parents[1] / "fixtures"
OSV = FIXTURES / "osv"


def scan(root: Path, out: Path, *extra: str) -> dict:
    rc = main(["deps", str(root), "--quiet", "--format", "json", "--output-dir", str(out),
               "--fail-on", "never", *extra])
    assert rc in (0, 3), rc
    report: dict = json.loads((out / "secscan.json").read_text("utf-8"))
    return report


def state(report: dict, name: str) -> tuple[set[tuple[str, str | None, str]], int]:
    """(package, version, advisory) of the findings, and whether the scanner's answer came from the cache."""
    s = next(s for s in report["scanners"] if s["name"] == name)
    found = {(f["package"]["name"], f["package"]["version"], f["rule_id"]) for f in report["findings"]
             if f.get("package")}
    return found, int(s["coverage"].get("from_cache", 0))


class Runs:
    """Cached and uncached runs of one tree, numbered."""

    def __init__(self, root: Path, tmp: Path, *extra: str) -> None:
        self.root, self.tmp, self.extra, self.n = root, tmp, extra, 0
        self.cache = tmp / "cache"

    def cached(self, name: str = "pip-audit") -> tuple[set[tuple[str, str | None, str]], int]:
        self.n += 1
        out = self.tmp / f"c{self.n}"
        return state(scan(self.root, out, "--cache-dir", str(self.cache), *self.extra), name)

    def fresh(self, name: str = "pip-audit") -> set[tuple[str, str | None, str]]:
        self.n += 1
        return state(scan(self.root, self.tmp / f"f{self.n}", "--no-cache", *self.extra), name)[0]


def python_tree(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "proj"
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, "utf-8")
    return root


@pytest.mark.parametrize("manifest", ["dev-requirements.txt", "requirements/base.txt", "Requirements.txt"])
def test_any_manifest_name_is_part_of_the_key(tmp_path: Path, manifest: str) -> None:
    root = python_tree(tmp_path, {manifest: "requests==2.31.0\n"})
    runs = Runs(root, tmp_path, "--osv-db", str(OSV))
    first, hit = runs.cached()
    assert hit == 0 and first == runs.fresh()
    assert runs.cached() == (first, 1)  # nothing changed: from the cache
    (root / manifest).write_text("requests==2.19.1\n", "utf-8")
    edited, hit = runs.cached()
    assert hit == 0 and edited == runs.fresh() and ("requests", "2.19.1") in {f[:2] for f in edited}


@pytest.mark.parametrize("option", ["-r", "--requirement", "-c"])
def test_included_files_are_part_of_the_key(tmp_path: Path, option: str) -> None:
    root = python_tree(tmp_path, {"requirements.txt": f"{option} deps/common.in\ndjango==3.2.12\n",
                                  "deps/common.in": "requests==2.31.0\n"})
    runs = Runs(root, tmp_path, "--osv-db", str(OSV))
    assert runs.cached()[1] == 0 and runs.cached()[1] == 1
    (root / "deps" / "common.in").write_text("requests==2.19.1\n", "utf-8")
    edited, hit = runs.cached()
    assert hit == 0 and edited == runs.fresh()


def test_referenced_files_follow_includes_and_stop_on_cycles(tmp_path: Path) -> None:
    root = python_tree(tmp_path, {"requirements.txt": "-r a.txt\n--constraint=c/pins.txt\nx==1\n",
                                  "a.txt": "-r requirements.txt\n-r missing.txt\n-r https://example.org/r.txt\n",
                                  "c/pins.txt": "x==1\n"})
    got = {p.relative_to(root.resolve()).as_posix() for p in referenced_files(root, ["requirements.txt"])}
    assert got == {"requirements.txt", "a.txt", "missing.txt", "c/pins.txt"}


def test_advisory_folder_change_is_part_of_the_key(tmp_path: Path) -> None:
    root = python_tree(tmp_path, {"requirements.txt": "requests==2.19.1\n"})
    db = tmp_path / "osv"
    shutil.copytree(OSV, db)
    (db / "PyPI" / "PYSEC-2018-28.json").unlink()
    runs = Runs(root, tmp_path, "--osv-db", str(db))
    before, _hit = runs.cached()
    shutil.copy(OSV / "PyPI" / "PYSEC-2018-28.json", db / "PyPI")
    after, hit = runs.cached()
    assert hit == 0 and after == runs.fresh() and after != before


@pytest.mark.parametrize("name", ["package-lock.json", "package.json", ".npmrc"])
def test_npm_inputs_are_part_of_the_key(tmp_path: Path, name: str) -> None:
    root = tmp_path / "proj"
    shutil.copytree(FIXTURES / "npm" / "v3", root)
    runs = Runs(root, tmp_path, "--osv-db", str(OSV))
    assert runs.cached("npm-audit")[1] == 0 and runs.cached("npm-audit")[1] == 1
    path = root / name
    path.write_text((path.read_text("utf-8") if path.exists() else "") + "\n", "utf-8")
    assert runs.cached("npm-audit")[1] == 0


def _fake_pip_audit(fake_bin: Callable[[str, str], Path], tmp_path: Path) -> Path:
    """A fake online pip-audit reporting the canary (pyyaml 5.3) and requests 2.19.1; it logs each call."""
    log = tmp_path / "calls.txt"
    script = tmp_path / "fake_pip_audit.py"
    script.write_text(textwrap.dedent(f"""
        import json, sys
        from pathlib import Path
        args = sys.argv[1:]
        if args == ["--version"]:
            print("pip-audit 2.10.1"); sys.exit(0)
        Path({str(log)!r}).open("a").write("call\\n")
        files = [args[i + 1] for i, a in enumerate(args) if a == "-r"]
        lines = [ln.strip() for f in files for ln in Path(f).read_text().splitlines()]
        pins = [ln.split("==") for ln in lines if "==" in ln]
        vulns = {{("pyyaml", "5.3"): "PYSEC-2020-96", ("requests", "2.19.1"): "PYSEC-2018-28"}}
        deps = [{{"name": n, "version": v, "vulns": [{{"id": vulns[(n.lower(), v)], "fix_versions": ["9"]}}]
                  if (n.lower(), v) in vulns else []}} for n, v in pins]
        print(json.dumps({{"dependencies": deps, "fixes": []}}))
        sys.exit(1)
        """), "utf-8")
    fake_bin("pip-audit", f'exec "{sys.executable}" "{script}" "$@"\n')
    return log


def test_offline_and_online_answers_are_never_shared_and_online_ones_expire(
    tmp_path: Path, fake_bin: Callable[[str, str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = python_tree(tmp_path, {"requirements.txt": "requests==2.19.1\n"})
    log = _fake_pip_audit(fake_bin, tmp_path)
    cache = str(tmp_path / "cache")
    offline = state(scan(root, tmp_path / "o1", "--cache-dir", cache, "--osv-db", str(OSV)), "pip-audit")
    online = state(scan(root, tmp_path / "n1", "--cache-dir", cache), "pip-audit")
    assert offline[1] == 0 and online[1] == 0 and log.read_text().count("call") == 1
    assert state(scan(root, tmp_path / "n2", "--cache-dir", cache), "pip-audit")[1] == 1
    assert state(scan(root, tmp_path / "o2", "--cache-dir", cache, "--osv-db", str(OSV)), "pip-audit")[1] == 1
    assert log.read_text().count("call") == 1  # both answered from their own entries
    monkeypatch.setattr(secscan.run.cached, "ONLINE_AUDIT_TTL_S", 0.0)
    assert state(scan(root, tmp_path / "n3", "--cache-dir", cache), "pip-audit")[1] == 0
    assert log.read_text().count("call") == 2  # expired: asked again
