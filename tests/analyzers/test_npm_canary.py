"""The online npm audit canary, with the real npm talking to a local fake registry (no network).

The registry is a small HTTP server in the test: it answers npm's bulk advisory request from a table of
advisories and serves the packuments npm reads afterwards. It is named in the user's own npm settings
(``npm_config_registry`` in the environment). The project's own ``.npmrc`` names a dead registry: the scanned
tree never chooses what npm contacts (nor which token it sends) unless the caller trusts its configuration.
"""

from __future__ import annotations

import gzip
import json
import shutil
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from conftest import scanner

from secscan.analyzers.advisories import npm_canary
from secscan.cli.main import main
from secscan.formats.json_report import validate

FIXTURES = Path(__file__).parents[1] / "fixtures" / "npm"
NPM = shutil.which("npm")

ADVISORIES: dict[str, dict[str, Any]] = {
    "lodash": {"id": 1106913, "url": "https://github.com/advisories/GHSA-35jh-r3h4-6jhm",
               "title": "Command Injection in lodash", "severity": "high", "vulnerable_versions": "<4.17.21",
               "cwe": ["CWE-77", "CWE-94"], "cvss": {"score": 7.2, "vectorString": None}},
    "minimist": {"id": 1097677, "url": "https://github.com/advisories/GHSA-xvch-5gv4-984h",
                 "title": "Prototype Pollution in minimist", "severity": "critical",
                 "vulnerable_versions": "<0.2.4", "cwe": ["CWE-1321"],
                 "cvss": {"score": 9.8, "vectorString": None}},
    "ansi-regex": {"id": 1094090, "url": "https://github.com/advisories/GHSA-93q8-gq69-wqmw",
                   "title": "Inefficient Regular Expression Complexity in chalk/ansi-regex",
                   "severity": "high",
                   "vulnerable_versions": ">=5.0.0 <5.0.1", "cwe": ["CWE-1333"],
                   "cvss": {"score": 7.5, "vectorString": None}},
}
VERSIONS = {"lodash": ("4.17.15", "4.17.20", "4.17.21"), "minimist": ("0.0.8", "0.2.4", "1.2.0", "1.2.6"),
            "ansi-regex": ("5.0.0", "5.0.1")}


class Registry:
    """What the fake registry answers, and the bulk requests it received."""

    def __init__(self) -> None:
        self.answer_advisories = True
        self.requests: list[dict[str, list[str]]] = []
        self.url = ""


def _handler(reg: Registry) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            return

        def _send(self, code: int, payload: object) -> None:
            data = json.dumps(payload).encode()
            self.send_response(code)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            if self.headers.get("content-encoding") == "gzip":
                body = gzip.decompress(body)
            asked: dict[str, list[str]] = json.loads(body)
            reg.requests.append(asked)
            out = {k: [v] for k, v in ADVISORIES.items() if k in asked} if reg.answer_advisories else {}
            self._send(200, out)

        def do_GET(self) -> None:
            name = self.path.strip("/").split("?")[0]
            if name not in VERSIONS:
                self._send(404, {"error": "not found"})
                return
            versions = {v: {"name": name, "version": v} for v in VERSIONS[name]}
            self._send(200, {"name": name, "dist-tags": {"latest": VERSIONS[name][-1]}, "versions": versions})

    return Handler


DEAD = "http://127.0.0.1:9/"  # the discard port: nothing answers


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[Registry]:
    reg = Registry()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(reg))
    reg.url = f"http://127.0.0.1:{server.server_address[1]}/"
    monkeypatch.setenv("npm_config_registry", reg.url)  # the user's setting
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield reg
    server.shutdown()
    server.server_close()


def project(tmp_path: Path, reg: Registry, version: str = "v3") -> Path:
    root = tmp_path / f"proj-{version}"
    shutil.copytree(FIXTURES / version, root)
    (root / ".npmrc").write_text(f"registry={DEAD}\naudit=true\n", "utf-8")  # the tree's: never used
    return root


def scan(root: Path, out: Path, *extra: str) -> tuple[int, dict]:
    code = main(["deps", str(root), "--no-cache", "--quiet", "--timeout", "120", "--output-dir", str(out),
                 "--format", "json,md,sarif", *extra])
    report: dict = json.loads((out / "secscan.json").read_text("utf-8"))
    validate(report)
    return code, report


needs_npm = pytest.mark.skipif(NPM is None, reason="npm is not installed")


@needs_npm
def test_canary_rides_in_a_copy_and_never_reaches_a_report(tmp_path: Path, registry: Registry) -> None:
    root = project(tmp_path, registry)
    before = {p.name: p.read_bytes() for p in root.iterdir()}
    code, rep = scan(root, tmp_path / "out")
    s = scanner(rep, "npm-audit")
    assert s["status"] == "ok" and s["canary"] == "detected", s
    # the fixture holds lodash and minimist, so the canary is the first absent candidate: ansi-regex 5.0.0
    (asked,) = registry.requests
    assert asked["ansi-regex"] == ["5.0.0"] and "lodash" in asked and "minimist" in asked
    names = {f["package"]["name"] for f in rep["findings"]}
    assert names == {"lodash", "minimist"} and code == 1
    assert all(f["location"]["path"] == "package-lock.json" for f in rep["findings"])
    for report in ("secscan.json", "secscan.md", "secscan.sarif"):
        assert "ansi-regex" not in (tmp_path / "out" / report).read_text("utf-8")
    assert {p.name: p.read_bytes() for p in root.iterdir()} == before  # the target is never modified


@needs_npm
def test_an_audit_that_answers_nothing_fails_on_the_canary(tmp_path: Path, registry: Registry) -> None:
    registry.answer_advisories = False  # a well-formed, empty answer: npm says "found 0 vulnerabilities"
    root = project(tmp_path, registry)
    code, rep = scan(root, tmp_path / "out")
    s = scanner(rep, "npm-audit")
    assert s["status"] == "failed" and "canary not detected" in s["reason"], s
    assert "ansi-regex@5.0.0 (GHSA-93q8-gq69-wqmw)" in s["reason"]
    assert code == 3 and rep["findings"] == []


@needs_npm
@pytest.mark.parametrize("version", ["v1", "v2"])
def test_older_lockfile_versions_carry_the_canary(tmp_path: Path, registry: Registry, version: str) -> None:
    root = project(tmp_path, registry, version)
    _code, rep = scan(root, tmp_path / "out", "--fail-on", "never")
    s = scanner(rep, "npm-audit")
    assert s["status"] == "ok" and s["canary"] == "detected", s
    assert any("ansi-regex" in asked for asked in registry.requests)


@needs_npm
def test_no_canary_audits_the_lockfile_in_place(tmp_path: Path, registry: Registry) -> None:
    root = project(tmp_path, registry)
    _code, rep = scan(root, tmp_path / "out", "--no-canary", "--fail-on", "never")
    assert scanner(rep, "npm-audit")["canary"] == "disabled"
    assert all(not set(asked) & npm_canary.CANDIDATE_NAMES - {"lodash", "minimist"}
               for asked in registry.requests)


def test_fake_npm_with_a_valid_empty_report_fails(tmp_path: Path,
                                                  fake_bin: Callable[[str, str], Path]) -> None:
    empty = {"auditReportVersion": 2, "vulnerabilities": {}, "metadata": {"vulnerabilities": {"total": 0}}}
    (tmp_path / "empty.json").write_text(json.dumps(empty), "utf-8")
    answer = tmp_path / "empty.json"
    fake_bin("npm", f'[ "$1" = "--version" ] && {{ echo 11.19.1; exit 0; }}\ncat "{answer}"\n')
    root = tmp_path / "proj"
    shutil.copytree(FIXTURES / "v3", root)
    code, rep = scan(root, tmp_path / "out")
    s = scanner(rep, "npm-audit")
    assert s["status"] == "failed" and "canary not detected" in s["reason"] and code == 3


def _lock(names: list[str]) -> bytes:
    packages: dict[str, Any] = {"": {"name": "p", "dependencies": {n: "1.0.0" for n in names[:1]}}}
    packages.update({f"node_modules/a/node_modules/{n}": {"version": "1.0.0"} for n in names})
    return json.dumps({"lockfileVersion": 3, "packages": packages}).encode()


def test_pick_avoids_every_name_the_lockfile_holds() -> None:
    assert npm_canary.pick(_lock([]), "l").name == "lodash"  # type: ignore[union-attr]
    assert npm_canary.pick(_lock(["lodash"]), "l").name == "minimist"  # type: ignore[union-attr]
    assert npm_canary.pick(_lock(["lodash", "minimist", "ansi-regex"]), "l").name == "node-fetch"  # type: ignore[union-attr]
    assert npm_canary.pick(_lock([c.name for c in npm_canary.CANDIDATES]), "l") is None
    assert npm_canary.pick(b"not json", "l") is None


@pytest.mark.parametrize("version", ["v1", "v2", "v3"])
def test_inject_each_lockfile_shape(version: str) -> None:
    lock = json.loads((FIXTURES / version / "package-lock.json").read_text("utf-8"))
    canary = npm_canary.CANDIDATES[2]
    out = npm_canary.inject(lock, canary)
    if "packages" in lock:
        assert out["packages"]["node_modules/ansi-regex"] == {"version": "5.0.0"}
        assert out["packages"][""]["dependencies"]["ansi-regex"] == "5.0.0"
    if "dependencies" in lock:
        assert out["dependencies"]["ansi-regex"] == {"version": "5.0.0"}
    assert "ansi-regex" not in json.dumps(lock)  # the input is not modified
    assert {k: v for k, v in out.items() if k not in ("packages", "dependencies")} == \
        {k: v for k, v in lock.items() if k not in ("packages", "dependencies")}


def test_prepare_copies_the_project_settings_only_when_trusted(tmp_path: Path) -> None:
    src, dest = tmp_path / "src", tmp_path / "dest"
    shutil.copytree(FIXTURES / "v3", src)
    (src / ".npmrc").write_text("registry=http://127.0.0.1:9/\n", "utf-8")
    dest.mkdir()
    npm_canary.prepare(src, "package-lock.json", dest, npm_canary.CANDIDATES[3])
    assert not (dest / ".npmrc").exists()
    npm_canary.prepare(src, "package-lock.json", dest, npm_canary.CANDIDATES[3], npmrc=True)
    assert (dest / ".npmrc").read_text("utf-8") == "registry=http://127.0.0.1:9/\n"
    manifest = json.loads((dest / "package.json").read_text("utf-8"))
    assert manifest["dependencies"]["node-fetch"] == "2.6.0"
    assert "node-fetch" not in (src / "package.json").read_text("utf-8")
    with pytest.raises(ValueError):
        (src / "package-lock.json").write_text("[]", "utf-8")
        npm_canary.prepare(src, "package-lock.json", dest, npm_canary.CANDIDATES[3])


@needs_npm
def test_a_lockfile_holding_every_canary_package_is_never_clean(tmp_path: Path, registry: Registry) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    (root / ".npmrc").write_text(f"registry={registry.url}\n", "utf-8")
    (root / "package-lock.json").write_bytes(_lock([c.name for c in npm_canary.CANDIDATES]))
    code, rep = scan(root, tmp_path / "out")
    s = scanner(rep, "npm-audit")
    assert s["status"] in ("partial", "failed") and "audited without its canary" in s["reason"], s
    assert code == 3


@needs_npm
def test_the_trees_npmrc_is_used_only_when_the_caller_trusts_it(tmp_path: Path, registry: Registry,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A pull request's .npmrc could send npm (and a ${NPM_TOKEN} it names) to a registry of its choice."""
    root = project(tmp_path, registry)
    monkeypatch.setenv("SECSCAN_CANARY_TOKEN", "tok-" + "x" * 20)
    token = "//127.0.0.1/:_authToken=${SECSCAN_CANARY_TOKEN}"
    (root / ".npmrc").write_text(f"registry={registry.url}\n{token}\n", "utf-8")
    monkeypatch.delenv("npm_config_registry")
    user = tmp_path / "user.npmrc"  # the user's own settings name a dead registry; the tree's, a live one
    user.write_text(f"registry={DEAD}\n", "utf-8")
    monkeypatch.setenv("npm_config_userconfig", str(user))  # npm: the project's .npmrc would win over it
    _code, rep = scan(root, tmp_path / "out", "--fail-on", "never")
    s = scanner(rep, "npm-audit")
    assert registry.requests == [] and s["status"] == "failed", s  # the tree's registry was not contacted
    assert s["evidence"]["npmrc_not_used"]["files"] == [".npmrc"]
    _code, rep = scan(root, tmp_path / "out2", "--fail-on", "never", "--trust-tree-config")
    s = scanner(rep, "npm-audit")
    assert s["status"] == "ok" and registry.requests and "npmrc_not_used" not in s["evidence"], s
