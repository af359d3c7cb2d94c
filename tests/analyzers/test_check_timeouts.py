"""A check cut short by its timeout is status `timeout` (the run is incomplete, exit 3), never a finding about
the thing checked: a hanging `oqs` is not "PQC broken", a self-test probe cut short is not "the TLS stack
fails", a silence cut short is not an acceptance."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import MtlsFiles, scanner
from pqc_fakes import FAKES, fake_env
from run_cli import run_cli

from secscan.analyzers.mtls.check import TargetSpec, check_target
from secscan.analyzers.mtls.results import Outcome, ProbeResult, SelfTestCase, SelfTestObservation
from secscan.analyzers.mtls.server import LoopbackServer, ServerFiles
from secscan.analyzers.mtls.verdict import self_test_verdict
from secscan.analyzers.pqc.result import ChildStatus, Verdict
from secscan.analyzers.pqc.verify import verify
from secscan.cli.pqc import main as pqc_main
from secscan.core.model import Status
from secscan.scanners.pqc import result_to_parsed

HANG = "import time\ntime.sleep(60)\n"
# a fake whose public keys are real ML-KEM-768 keys (cryptography's), so the reference encapsulates to them
VALID_PUBLIC_KEY = FAKES["perfect"] + """
from cryptography.hazmat.primitives.asymmetric import mlkem as _mlkem
def _valid_pk(self):
    Base.generate_keypair(self)
    return _mlkem.MLKEM768PrivateKey.from_seed_bytes(os.urandom(64)).public_key().public_bytes_raw()
KeyEncapsulation.generate_keypair = _valid_pk
"""


def test_hanging_oqs_with_a_tiny_timeout_is_a_timeout_not_a_finding(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", fake_env(tmp_path, HANG)["PYTHONPATH"])
    code, rep = run_cli("all", tmp_path, tmp_path / "out", "--scanners", "pqc", "--timeout", "0.01")
    s = scanner(rep, "pqc")
    assert s["status"] == "timeout" and "timed out" in s["reason"], s
    assert rep["findings"] == [] and code == 3
    monkeypatch.chdir(tmp_path)
    assert pqc_main(["--timeout", "0.01", "--alg", "ML-KEM-768"]) == 3


def test_a_timed_out_second_pass_is_a_timeout(tmp_path: Path) -> None:
    """oqs without seeded keygen: a second child decapsulates the reference's ciphertext; it hangs."""
    flag = tmp_path / "first-child-ran"
    hang_second = f"import os, time\nif os.path.exists({str(flag)!r}): time.sleep(60)\n" \
                  f"open({str(flag)!r}, 'w').close()\n"
    res = verify(("ML-KEM-768",), env=fake_env(tmp_path, hang_second + VALID_PUBLIC_KEY), timeout=5)
    assert flag.exists()
    assert res.evidence.child_status is ChildStatus.TIMEOUT and res.verdict is Verdict.BROKEN
    assert "second pass" in (res.evidence.child_error or "") and res.evidence.algorithms == ()
    parsed = result_to_parsed(res, require=False)
    assert parsed.status is Status.TIMEOUT and parsed.findings == ()
    assert "second pass" in (parsed.reason or "")


def _case(name: str, expect: Outcome, outcome: Outcome, timed_out: bool = False) -> SelfTestCase:
    how = "timed out in the handshake" if timed_out else "alert certificate_required"
    return SelfTestCase(name, expect, ProbeResult(name, outcome, how, "handshake", version="TLSv1.3",
                                                  timed_out=timed_out))


def test_self_test_cases_cut_short_are_a_timeout_without_a_finding() -> None:
    late = (_case("valid", Outcome.ACCEPTED, Outcome.ERROR, timed_out=True),
            _case("none", Outcome.REJECTED, Outcome.REJECTED))
    v = self_test_verdict(SelfTestObservation(late, 0.1, 0.01, "a", "b"))
    assert v.status is Status.TIMEOUT and v.findings == ()
    assert v.reason == "1 of 2 self-test cases timed out: valid: timed out in the handshake"
    wrong = (*late, _case("other CA", Outcome.REJECTED, Outcome.ACCEPTED))  # a real failure still counts
    v = self_test_verdict(SelfTestObservation(wrong, 0.1, 0.01, "a", "b"))
    assert v.status is Status.FAILED and [f.rule_id for f in v.findings] == ["mtls.self-test-failed"]
    assert "other CA" in v.findings[0].message and "valid" not in v.findings[0].message
    assert v.reason and v.reason.endswith("; 1 of 3 self-test cases timed out: valid: timed out in the "
                                          "handshake")


def test_mtls_self_test_with_a_tiny_timeout_is_a_timeout(tmp_path: Path) -> None:
    code, rep = run_cli("all", tmp_path, tmp_path / "out", "--scanners", "mtls", "--timeout", "0.0001")
    s = scanner(rep, "mtls")
    assert s["status"] == "timeout" and "timed out" in s["reason"], s
    assert rep["findings"] == [] and code == 3


def test_silence_cut_short_by_the_timeout_is_not_an_acceptance(mtls_pki: MtlsFiles) -> None:
    files = ServerFiles(*mtls_pki["server"], client_ca=mtls_pki["ca"][0])
    with LoopbackServer(files, "optional", after="silent") as srv:
        host, port = srv.address
        spec = TargetSpec(host, port, mtls_pki["ca"][0], *mtls_pki["client"], server_name="localhost",
                          timeout=0.5, read_wait=2.0)
        v = check_target(spec)
    assert v.status is Status.TIMEOUT and v.findings == (), (v.status, v.reason)
    valid = v.evidence["probes"][0]
    assert valid["outcome"] == "error" and valid["timed_out"] is True
    assert "did not fit in the timeout" in valid["how"]


def test_a_quick_silence_is_still_an_acceptance(mtls_pki: MtlsFiles) -> None:
    files = ServerFiles(*mtls_pki["server"], client_ca=mtls_pki["ca"][0])
    with LoopbackServer(files, "optional", after="silent") as srv:
        host, port = srv.address
        spec = TargetSpec(host, port, mtls_pki["ca"][0], *mtls_pki["client"], server_name="localhost",
                          timeout=5.0, read_wait=0.3)
        v = check_target(spec)
    assert v.evidence["probes"][0]["outcome"] == "accepted"
    assert "mtls.not-enforced" in {f.rule_id for f in v.findings}
