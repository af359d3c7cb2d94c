"""The scanned tree is untrusted (README "Trust model"): its pyproject.toml cannot make secscan run a program
(pqc_python), open connections (mtls_*), pick the advisories (osv_db) or trust itself; --trust-tree-config,
the command line, --config FILE and the user configuration can. --offline opens no connection but the
loopback self-test. Real runs of secscan, a real PQC child, real sockets."""

from __future__ import annotations

import json
import shutil
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import MtlsFiles, scanner
from run_cli import run_cli

from secscan.config.build import build_options
from secscan.core.errors import UsageError
from secscan.core.options import Source

ROOT = Path(__file__).resolve().parents[2]
OSV = ROOT / "tests" / "fixtures" / "osv"


@pytest.fixture(autouse=True)
def no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No user-level configuration of the machine running the tests applies."""
    monkeypatch.delenv("SECSCAN_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "no-user-config"))


def scan(root: Path, out: Path, *extra: str) -> tuple[int, dict]:
    return run_cli("all", root, out, "--quiet", "--format", "json,md", *extra)


class AcceptCounter:
    """A loopback TCP listener that only counts the connections it accepts (and closes them)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.accepts = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.sock.getsockname()[1]}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepts += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[AcceptCounter]:
    counter = AcceptCounter()
    try:
        yield counter
    finally:
        counter.close()


def marker_python(tree: Path, marker: Path) -> Path:
    """tools/python in the tree: an interpreter that leaves a marker when anything runs it."""
    tools = tree / "tools"
    tools.mkdir(parents=True, exist_ok=True)
    script = tools / "python"
    script.write_text(f'#!/bin/sh\necho ran >> "{marker}"\nexec "{sys.executable}" "$@"\n', "utf-8")
    script.chmod(0o755)
    return script


def refused(report: dict, key: str) -> dict:
    settings = report["configuration"]["settings"]
    return next(s for s in settings if s["name"] == key and s["status"] == "refused")


def test_pqc_python_from_the_tree_is_never_executed(tmp_path: Path) -> None:
    tree, marker = tmp_path / "pr", tmp_path / "marker"
    tree.mkdir()
    marker_python(tree, marker)
    (tree / "pyproject.toml").write_text('[tool.secscan]\npqc_python = "tools/python"\n', "utf-8")
    _code, rep = scan(tree, tmp_path / "out", "--scanners", "pqc")
    assert not marker.exists(), "a program of the scanned tree ran"
    assert scanner(rep, "pqc")["evidence"]["python"] == sys.executable
    assert any(n.startswith("refused pqc_python") and "pyproject.toml:2" in n for n in rep["notes"])
    md = (tmp_path / "out" / "secscan.md").read_text("utf-8")
    row = next(r for r in md.splitlines() if r.startswith("| pqc\\_python |"))
    assert "refused" in row and "the scanned tree (pyproject.toml:2)" in row
    # the caller trusts the tree: then it runs (the interpreter the tree names is the application's)
    _code, rep = scan(tree, tmp_path / "out2", "--scanners", "pqc", "--trust-tree-config")
    assert marker.exists() and scanner(rep, "pqc")["evidence"]["python"] == str(tree / "tools" / "python")
    assert not any(n.startswith("refused") for n in rep["notes"])


def test_the_tree_cannot_trust_itself(tmp_path: Path) -> None:
    tree, marker = tmp_path / "pr", tmp_path / "marker"
    tree.mkdir()
    marker_python(tree, marker)
    (tree / "pyproject.toml").write_text(
        '[tool.secscan]\ntrust_tree_config = true\npqc_python = "tools/python"\n', "utf-8")
    opts = build_options(tree)
    assert not opts.trust_tree_config and "pqc_python" not in opts.extra
    assert {s.name for s in opts.configuration.settings if s.status == "refused"} == {
        "trust_tree_config", "pqc_python"}
    scan(tree, tmp_path / "out", "--scanners", "pqc")
    assert not marker.exists()


def write_osv_tree(tree: Path) -> None:
    """A pull request that pins a vulnerable requests and brings its own advisory folder."""
    (tree / ".advisories" / "PyPI").mkdir(parents=True)
    (tree / ".advisories" / "PyPI" / "FAKE-1.json").write_text(json.dumps({
        "id": "FAKE-1", "modified": "2024-01-01T00:00:00Z", "summary": "fake",
        "affected": [{"package": {"ecosystem": "PyPI", "name": "nothing-real"}, "versions": ["1.0"]}]}),
        "utf-8")
    (tree / "requirements.txt").write_text("requests==2.19.0\n", "utf-8")
    (tree / "pyproject.toml").write_text('[tool.secscan]\nosv_db = ".advisories"\n', "utf-8")


def test_osv_db_from_the_tree_is_refused_and_allowed_from_config(tmp_path: Path) -> None:
    tree = tmp_path / "pr"
    tree.mkdir()
    write_osv_tree(tree)
    _code, rep = scan(tree, tmp_path / "out", "--scanners", "pip-audit", "--offline")
    s = scanner(rep, "pip-audit")
    assert s["status"] == "skipped" and s["reason"] == "offline"  # not audited against the tree's folder
    setting = refused(rep, "osv_db")
    assert setting["value"] == ".advisories" and "vulnerability" in setting["reason"]
    assert not rep["findings"]
    # the same folder named by the caller's --config file: the caller chose it, so it applies
    conf = tmp_path / "ci.toml"
    conf.write_text(f'osv_db = "{OSV}"\n', "utf-8")
    code, rep = scan(tree, tmp_path / "out2", "--scanners", "pip-audit", "--offline", "--config", str(conf),
                     "--fail-on", "high")
    assert scanner(rep, "pip-audit")["status"] == "ok"
    assert any(f["package"] and f["package"]["name"] == "requests" for f in rep["findings"]) and code == 1
    setting = next(s for s in rep["configuration"]["settings"] if s["name"] == "osv_db")
    assert setting["status"] == "applied" and setting["source"] == "config-file"


def copy_pki(pki: MtlsFiles, folder: Path) -> tuple[Path, Path, Path]:
    """A real CA, client certificate and key (the self-test PKI) in folder/certs: usable for a handshake."""
    (folder / "certs").mkdir(parents=True, exist_ok=True)
    sources = (pki["ca"][0], pki["client"][0], pki["client"][1])
    files = tuple(folder / "certs" / n for n in ("ca.pem", "client.pem", "client.key"))
    for src, dst in zip(sources, files, strict=True):
        shutil.copyfile(src, dst)
    return files  # type: ignore[return-value]


def test_mtls_settings_from_the_tree_are_refused(tmp_path: Path, listener: AcceptCounter,
                                                 mtls_pki: MtlsFiles) -> None:
    tree = tmp_path / "pr"
    tree.mkdir()
    copy_pki(mtls_pki, tree)
    (tree / "pyproject.toml").write_text(
        f'[tool.secscan]\nmtls_target = "{listener.target}"\nmtls_ca = "certs/ca.pem"\n'
        'mtls_cert = "certs/client.pem"\nmtls_key = "certs/client.key"\nmtls_server_name = "x"\n', "utf-8")
    code, rep = scan(tree, tmp_path / "out", "--scanners", "mtls")
    assert listener.accepts == 0, "the scan connected where the tree said"
    s = scanner(rep, "mtls")
    assert s["status"] == "ok" and s["evidence"]["target_check"]["status"] == "skipped"
    assert "connections" in s["evidence"]["target_check"]["reason"] and code == 0
    assert {x["name"] for x in rep["configuration"]["settings"] if x["status"] == "refused"} == {
        "mtls_target", "mtls_ca", "mtls_cert", "mtls_key", "mtls_server_name"}


def test_offline_opens_no_connection_to_a_command_line_target(tmp_path: Path, listener: AcceptCounter,
                                                              mtls_pki: MtlsFiles) -> None:
    ca, cert, key = copy_pki(mtls_pki, tmp_path)
    code, rep = scan(tmp_path, tmp_path / "out", "--scanners", "mtls", "--offline", "--mtls-target",
                     listener.target, "--mtls-ca", str(ca), "--mtls-cert", str(cert), "--mtls-key", str(key))
    assert listener.accepts == 0
    s = scanner(rep, "mtls")
    check = s["evidence"]["target_check"]
    assert check == {"target": listener.target, "status": "skipped",
                     "reason": "offline: no connection but the loopback self-test"}
    ev = s["evidence"]
    assert s["status"] == "ok" and ev["mode"] == "self-test" and ev["passed"] == ev["total"] > 0 and code == 0
    assert "skipped: offline: no connection but the loopback self-test" in s["reason"]
    setting = refused(rep, "mtls_target")
    assert setting["source"] == "command-line" and setting["value"] == listener.target


def test_a_path_outside_the_tree_is_refused_even_for_a_trusted_kind(tmp_path: Path) -> None:
    from secscan.config import trust
    from secscan.config.declare import BY_NAME

    tree = tmp_path / "pr"
    tree.mkdir()
    opt = BY_NAME["osv_db"]
    assert trust.refusal(opt, tree / "x", tree, trusted=True) is None
    assert "outside" in (trust.refusal(BY_NAME["baseline"], tmp_path / "x", tree, trusted=False) or "")
    assert trust.refusal(BY_NAME["baseline"], tree / "x", tree, trusted=False) is None


def test_user_configuration_is_trusted_and_ranks_between_tree_and_config(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree, home = tmp_path / "pr", tmp_path / "home"
    tree.mkdir()
    home.mkdir()
    (home / "advisories").mkdir()
    for folder in (home / "advisories", tree):  # an --osv-db folder must hold records (else a usage error)
        (folder / "PYSEC-0-0.json").write_text("{}", "utf-8")
    (tree / "pyproject.toml").write_text('[tool.secscan]\ntimeout = 60\njobs = 2\nosv_db = "."\n', "utf-8")
    user = home / "config.toml"
    user.write_text('[tool.secscan]\ntimeout = 120\nosv_db = "advisories"\n', "utf-8")
    monkeypatch.setenv("SECSCAN_CONFIG", str(user))
    opts = build_options(tree)
    assert opts.timeout == 120 and opts.source("timeout") is Source.USER_CONFIG
    assert opts.jobs == 2 and opts.source("jobs") is Source.TREE
    assert opts.osv_db == (home / "advisories").resolve() and opts.source("osv_db") is Source.USER_CONFIG
    assert not [s for s in opts.configuration.settings if s.status == "refused"]  # the tree's osv_db lost
    assert opts.configuration.files == {"tree": "pyproject.toml", "user-config": str(user)}
    conf = tmp_path / "ci.toml"
    conf.write_text("timeout = 30\n", "utf-8")
    chosen = build_options(tree, config_file=conf, timeout=10)
    assert chosen.timeout == 10 and chosen.source("timeout") is Source.API
    assert build_options(tree, config_file=conf).source("timeout") is Source.CONFIG_FILE
    # a top-level table works too, and the user may trust the trees it scans
    user.write_text("trust_tree_config = true\n", "utf-8")
    trusting = build_options(tree)
    assert trusting.trust_tree_config and trusting.osv_db == tree.resolve()
    monkeypatch.setenv("SECSCAN_CONFIG", str(home / "missing.toml"))
    with pytest.raises(UsageError, match="SECSCAN_CONFIG"):
        build_options(tree)
