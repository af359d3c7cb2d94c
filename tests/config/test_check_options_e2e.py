"""The PQC and mTLS checks aimed from a scanning command (options or [tool.secscan]): the report's `pqc` and
`mtls` entries then describe the application's interpreter and server, with findings and exit codes."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from conftest import MtlsFiles, scanner
from pqc_fakes import FAKES, fake_env
from run_cli import run_cli

from secscan.analyzers.mtls.server import LoopbackServer
from secscan.cli.main import main


def scan(root: Path, out: Path, *extra: str) -> tuple[int, dict]:
    return run_cli("all", root, out, "--quiet", "--format", "json,sarif", *extra)


def test_mtls_target_from_the_command_line(tmp_path: Path, mtls_pki: MtlsFiles,
                                           optional_mtls_server: LoopbackServer) -> None:
    target = optional_mtls_server.target
    code, rep = scan(tmp_path, tmp_path / "out", "--scanners", "mtls", "--mtls-target", target,
                     "--mtls-ca", str(mtls_pki["ca"][0]), "--mtls-cert", str(mtls_pki["client"][0]),
                     "--mtls-key", str(mtls_pki["client"][1]), "--mtls-server-name", "localhost")
    s = scanner(rep, "mtls")
    assert s["status"] == "ok" and target in json.dumps(s["evidence"])
    assert any(f["category"] == "tls" and f["severity"] == "critical" for f in rep["findings"]) and code == 1
    sarif = json.loads((tmp_path / "out" / "secscan.sarif").read_text("utf-8"))
    assert any(r["level"] == "error" for run in sarif["runs"] for r in run["results"])


def test_mtls_target_from_the_configuration(tmp_path: Path, mtls_pki: MtlsFiles,
                                            optional_mtls_server: LoopbackServer) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    rel = os.path.relpath(mtls_pki["ca"][0].parent, project)
    (project / "pyproject.toml").write_text(
        "[tool.secscan]\n"
        f'mtls_target = "{optional_mtls_server.target}"\nmtls_server_name = "localhost"\n'
        f'mtls_ca = "{rel}/{mtls_pki["ca"][0].name}"\nmtls_cert = "{rel}/{mtls_pki["client"][0].name}"\n'
        f'mtls_key = "{rel}/{mtls_pki["client"][1].name}"\n', "utf-8")
    # the tree's mTLS settings open connections: they apply only when the caller trusts the tree
    code, rep = scan(project, tmp_path / "out", "--scanners", "mtls", "--trust-tree-config")
    assert scanner(rep, "mtls")["status"] == "ok" and code == 1
    assert any(f["category"] == "tls" and f["severity"] == "critical" for f in rep["findings"])


@pytest.mark.parametrize("argv", [["--mtls-target", "127.0.0.1:1"], ["--mtls-ca", "x.pem"]])
def test_incomplete_mtls_options_are_usage_errors(tmp_path: Path, argv: list[str]) -> None:
    assert main(["all", str(tmp_path), "--scanners", "mtls", "--output-dir", str(tmp_path / "o"), *argv]) == 2


def test_pqc_python_checks_the_applications_interpreter(tmp_path: Path) -> None:
    env = fake_env(tmp_path, FAKES["echo"])  # an application venv whose `oqs` is a stub
    app_python = tmp_path / "app-python"
    script = f'#!/bin/sh\nPYTHONPATH="{env["PYTHONPATH"]}" exec "{sys.executable}" "$@"\n'
    app_python.write_text(script, "utf-8")
    app_python.chmod(0o755)
    code, rep = scan(tmp_path, tmp_path / "out", "--scanners", "pqc", "--pqc-python", str(app_python),
                     "--pqc-alg", "ML-KEM-768")
    s = scanner(rep, "pqc")
    assert s["evidence"]["verdict"] == "stub" and s["evidence"]["python"] == str(app_python)
    assert [f["rule_id"] for f in rep["findings"]] == ["PQC-STUB"] and code == 1
    (tmp_path / "pyproject.toml").write_text('[tool.secscan]\npqc_python = "app-python"\n', "utf-8")
    code, rep = scan(tmp_path, tmp_path / "out2", "--scanners", "pqc", "--trust-tree-config")
    assert scanner(rep, "pqc")["evidence"]["verdict"] == "stub" and code == 1
