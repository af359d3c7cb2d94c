"""`secscan mtls` command and the MtlsScanner adapter, against loopback servers (fixtures in conftest.py)."""

from __future__ import annotations

import argparse
import json
import socket
from pathlib import Path

import pytest
from conftest import MtlsFiles

from secscan.analyzers.mtls.pki import build_self_test_pki
from secscan.analyzers.mtls.server import LoopbackServer, ServerFiles
from secscan.cli import mtls as command
from secscan.core.model import Category, Severity, Status
from secscan.process.runner import Runner
from secscan.scanners.interface import ScanContext
from secscan.scanners.mtls import MtlsScanner


def target_args(target: str, mtls_pki: MtlsFiles) -> list[str]:
    return ["--target", target, "--ca", str(mtls_pki["ca"][0]), "--cert", str(mtls_pki["client"][0]),
            "--key", str(mtls_pki["client"][1]), "--server-name", "localhost", "--timeout", "5"]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    return command.run(parser.parse_args(argv))


def test_self_test_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--self-test", "--timeout", "5"]) == 0
    out = capsys.readouterr().out
    assert "6/6 cases as required" in out and out.count("PASS") == 6 and "FAIL" not in out
    assert "alert certificate_required" in out and "TLSv1.3" in out and "status: ok" in out


def test_self_test_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--self-test", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["scanner"]["name"] == "mtls" and doc["scanner"]["status"] == "ok"
    assert doc["scanner"]["evidence"]["passed"] == 6 and doc["findings"] == []


def test_good_target_exit_0(required_mtls_server: LoopbackServer, mtls_pki: MtlsFiles,
                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(target_args(required_mtls_server.target, mtls_pki)) == 0
    out = capsys.readouterr().out
    assert "server certificate verified" in out and "spiffe://secscan.test/server" in out
    assert "findings: none" in out


def test_optional_target_exit_1_json(optional_mtls_server: LoopbackServer, mtls_pki: MtlsFiles,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*target_args(optional_mtls_server.target, mtls_pki), "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    f = next(f for f in doc["findings"] if f["rule_id"] == "mtls.not-enforced")
    assert f["severity"] == "critical" and f["category"] == "tls" and f["sources"] == ["mtls"]
    assert f["location"]["path"] == optional_mtls_server.target


def test_refused_exit_3(mtls_pki: MtlsFiles, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert main(target_args(f"127.0.0.1:{port}", mtls_pki)) == 3
    assert "could not complete" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [
    [],
    ["--target", "127.0.0.1:1"],
    ["--target", "no-port", "--ca", "x", "--cert", "y", "--key", "z"],
    ["--target", "127.0.0.1:1", "--ca", "/nonexistent.pem", "--cert", "/nonexistent.pem", "--key", "/n.key"],
    ["--self-test", "--ca", "x"],
    ["--self-test", "--timeout", "0"],
])
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("secscan mtls: ") and "Traceback" not in err


def test_unreadable_key_is_usage_error(mtls_pki: MtlsFiles, required_mtls_server: LoopbackServer,
                                       tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.key"
    bad.write_text("not a key")
    argv = target_args(required_mtls_server.target, mtls_pki)
    argv[argv.index("--key") + 1] = str(bad)
    assert main(argv) == 2
    assert "cannot set up the TLS client" in capsys.readouterr().err


# --- scanner adapter ------------------------------------------------------------------------------------

def test_scanner_runs_self_test_by_default(tmp_path: Path) -> None:
    sc = MtlsScanner()
    assert sc.name == "mtls" and sc.category is Category.TLS
    ctx = ScanContext(target=tmp_path, timeout=30)
    assert sc.applies(ctx, []) is None
    out = sc.execute(ctx, [], [], Runner())
    assert out.parsed.tool == "mtls" and out.parsed.status is Status.OK, out.parsed.reason
    assert out.parsed.evidence is not None and out.parsed.evidence["mode"] == "self-test"
    assert out.processes == 0 and out.duration_s > 0
    json.dumps(out.parsed.evidence)


def test_scanner_target_from_options(tmp_path: Path, optional_mtls_server: LoopbackServer,
                                     mtls_pki: MtlsFiles) -> None:
    ctx = ScanContext(target=tmp_path, options={
        "mtls_target": optional_mtls_server.target, "mtls_ca": str(mtls_pki["ca"][0]),
        "mtls_cert": str(mtls_pki["client"][0]), "mtls_key": str(mtls_pki["client"][1]),
        "mtls_server_name": "localhost", "mtls_pq": True, "mtls_timeout": 5})
    parsed = MtlsScanner().execute(ctx, [], [], Runner()).parsed
    assert {f.rule_id for f in parsed.findings if f.severity is Severity.CRITICAL} == {"mtls.not-enforced"}
    assert parsed.evidence is not None and parsed.evidence["pq"]["negotiated"] is False
    json.dumps(parsed.evidence)


def test_scanner_bad_options_is_failed_not_clean(tmp_path: Path) -> None:
    ctx = ScanContext(target=tmp_path, options={"mtls_target": "127.0.0.1:1"})
    parsed = MtlsScanner().execute(ctx, [], [], Runner()).parsed
    assert parsed.status is Status.FAILED and parsed.reason and "--ca" in parsed.reason


def test_mtls_entry_validates_in_the_report(tmp_path: Path, optional_mtls_server: LoopbackServer,
                                            mtls_pki: MtlsFiles) -> None:
    from secscan.core.model import Gate, Result, ScannerResult
    from secscan.core.serialize import to_dict
    from secscan.formats.json_report import loads, validate

    ctx = ScanContext(target=tmp_path, options={
        "mtls_target": optional_mtls_server.target, "mtls_ca": str(mtls_pki["ca"][0]),
        "mtls_cert": str(mtls_pki["client"][0]), "mtls_key": str(mtls_pki["client"][1]),
        "mtls_server_name": "localhost", "mtls_timeout": 5})
    p = MtlsScanner().execute(ctx, [], [], Runner()).parsed
    entry = ScannerResult("mtls", p.status, p.version, 0.1, p.reason, len(p.findings), p.coverage, p.evidence)
    findings = tuple(f.with_(fingerprint=f"fingerprint-{i:04d}") for i, f in enumerate(p.findings))
    result = Result(str(tmp_path), "2026-01-01T00:00:00Z", 0.1, (entry,), findings,
                    Gate("critical", False, 1, ("critical finding",)))
    doc = to_dict(result)
    validate(doc)
    back = loads(json.dumps(doc))
    assert back.scanners[0].evidence == json.loads(json.dumps(dict(p.evidence or {})))
    assert {f.rule_id for f in back.findings} >= {"mtls.not-enforced"}


def test_server_certificate_expiring_soon_is_a_finding(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """A real loopback server whose certificate ends in 10 days (not synthetic CertInfo data)."""
    import datetime as dt

    from cryptography.x509.oid import ExtendedKeyUsageOID

    from secscan.analyzers.mtls.pki import issue

    pki = build_self_test_pki()
    soon = issue(pki.ca, "localhost", "soon", usages=(ExtendedKeyUsageOID.SERVER_AUTH,), dns=("localhost",),
                 ips=("127.0.0.1",), not_after=dt.timedelta(days=10))
    paths = {c.name: c.write(tmp_path) for c in (pki.ca, pki.client, soon)}
    with LoopbackServer(ServerFiles(*paths["soon"], client_ca=paths["ca"][0]), "required") as srv:
        code = main(["--target", srv.target, "--ca", str(paths["ca"][0]), "--cert", str(paths["client"][0]),
                     "--key", str(paths["client"][1]), "--server-name", "localhost", "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    f = next(f for f in doc["findings"] if f["rule_id"] == "mtls.cert-expiring")
    assert f["severity"] == "medium" and ("expires in 9 days" in f["message"] or "expires in 10 days"
                                          in f["message"])
    assert code == 0  # medium: below the default fail-on
