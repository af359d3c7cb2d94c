"""mTLS check against real loopback servers (127.0.0.1, port 0) started here; nothing leaves loopback."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from secscan.analyzers.mtls.check import TargetSpec, check_target, observe_self_test, self_test
from secscan.analyzers.mtls.pki import SPIFFE_SERVER, build_self_test_pki
from secscan.analyzers.mtls.server import LoopbackServer, ServerFiles
from secscan.analyzers.mtls.verdict import Verdict, self_test_verdict
from secscan.core.model import Category, Severity, Status

Files = dict[str, tuple[Path, Path]]


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Files:
    return build_self_test_pki().write(tmp_path_factory.mktemp("pki"))


def server_files(files: Files) -> ServerFiles:
    return ServerFiles(*files["server"], client_ca=files["ca"][0])


def check(server: LoopbackServer, files: Files, client: str = "client", ca: str = "ca",
          **kw: object) -> Verdict:
    host, port = server.address
    opts: dict[str, object] = {"server_name": "localhost", "timeout": 5.0, "read_wait": 1.0, **kw}
    spec = TargetSpec(host, port, files[ca][0], *files[client], **opts)  # type: ignore[arg-type]
    return check_target(spec)


def rules(v: Verdict) -> set[str]:
    return {f.rule_id for f in v.findings}


def critical(v: Verdict) -> set[str]:
    return {f.rule_id for f in v.findings if f.severity is Severity.CRITICAL}


# --- self-test ---------------------------------------------------------------------------------------

def test_self_test_passes_all_six_cases_over_tls13() -> None:
    v = self_test(timeout=5.0)
    assert v.status is Status.OK, v.reason
    assert v.findings == ()
    ev = v.evidence
    assert ev["total"] == 6 and ev["passed"] == 6
    assert [c["observed"] for c in ev["cases"]] == ["accepted"] + ["rejected"] * 5
    assert ev["cases"][0]["version"] == "TLSv1.3" and ev["cases"][0]["server_verified"] is True
    assert ev["protocol"] == "TLSv1.3" and ev["cipher"]
    assert ev["duration_s"] > 0 and all(c["total_ms"] > 0 for c in ev["cases"])
    hows = {c["case"]: c["how"] for c in ev["cases"]}
    assert hows["no client certificate"] == "alert certificate_required"
    assert hows["certificate from another CA"] == "alert unknown_ca"
    assert hows["expired certificate"] == "alert certificate_expired"


@pytest.mark.parametrize(("mode", "failing"), [("optional", 1), ("none", 5), ("any-ca", 4)])
def test_self_test_fails_when_server_does_not_enforce(mode: str, failing: int) -> None:
    obs = observe_self_test(timeout=5.0, read_wait=1.0, server_mode=mode)  # type: ignore[arg-type]
    v = self_test_verdict(obs)
    assert v.status is Status.FAILED
    assert v.reason and "self-test cases failed" in v.reason
    assert [f.rule_id for f in v.findings] == ["mtls.self-test-failed"]
    assert v.evidence["passed"] == 6 - failing
    assert v.findings[0].category is Category.TLS and v.findings[0].location is None


# --- target mode -------------------------------------------------------------------------------------

def test_correct_mtls_server_passes(files: Files) -> None:
    with LoopbackServer(server_files(files), "required") as srv:
        v = check(srv, files)
    assert v.status is Status.OK, v.reason
    assert critical(v) == set() and rules(v) == set()
    ev = v.evidence
    assert ev["protocol"] == "TLSv1.3" and ev["server_verified"] is True and ev["name_matches"] is True
    outcomes = {p["label"]: (p["outcome"], p["how"]) for p in ev["probes"]}
    assert outcomes["valid client certificate"][0] == "accepted"
    assert outcomes["no client certificate"] == ("rejected", "alert certificate_required")
    assert outcomes["fresh self-signed certificate"] == ("rejected", "alert unknown_ca")
    assert ev["legacy_protocols"]["TLSv1"].startswith("refused")
    assert ev["spiffe_ids"] == [SPIFFE_SERVER]
    leaf = ev["server_chain"][0]
    assert leaf["key_type"] == "EC" and leaf["key_size"] == 256 and leaf["dns_names"] == ["localhost"]
    assert leaf["signature_algorithm"] == "ecdsa-with-SHA256" and leaf["days_to_expiry"] >= 80


@pytest.mark.parametrize("mode", ["optional", "none"])
def test_server_not_requiring_client_certs_is_critical(files: Files, mode: str) -> None:
    with LoopbackServer(server_files(files), mode) as srv:  # type: ignore[arg-type]
        v = check(srv, files)
    assert "mtls.not-enforced" in critical(v)
    f = next(f for f in v.findings if f.rule_id == "mtls.not-enforced")
    assert f.category is Category.TLS and f.sources == ("mtls",)
    assert f.location is not None and f.location.path == srv.target
    assert f.remediation and "ssl_verify_client on" in f.remediation and "CERT_REQUIRED" in f.remediation
    if mode == "optional":  # a presented certificate is still verified
        assert "mtls.untrusted-client-accepted" not in rules(v)


def test_server_trusting_any_ca_is_flagged(files: Files) -> None:
    with LoopbackServer(server_files(files), "any-ca") as srv:
        v = check(srv, files)
    assert critical(v) == {"mtls.untrusted-client-accepted"}


def test_hybrid_pq_group_reported(files: Files) -> None:
    with LoopbackServer(server_files(files), "pq") as srv:
        v = check(srv, files, pq=True, require_pq=True)
    assert v.status is Status.OK, v.reason
    assert v.evidence["pq"]["negotiated"] is True
    assert v.evidence["pq"]["group"] == "X25519MLKEM768"
    assert "mtls.pq-group-absent" not in rules(v)


def test_missing_pq_group_is_a_finding_only_when_required(files: Files) -> None:
    with LoopbackServer(server_files(files), "required") as srv:  # system ssl: OpenSSL 3.0, no ML-KEM
        optional = check(srv, files, pq=True)
        required = check(srv, files, pq=True, require_pq=True)
    assert optional.evidence["pq"]["negotiated"] is False and "mtls.pq-group-absent" not in rules(optional)
    assert "mtls.pq-group-absent" in rules(required)


def test_tls_below_12_accepted_is_flagged(files: Files) -> None:
    with LoopbackServer(server_files(files), "required", min_version="TLSv1") as srv:
        v = check(srv, files)
    f = next(f for f in v.findings if f.rule_id == "mtls.tls-below-1.2")
    assert f.severity is Severity.HIGH and "TLSv1.1" in f.message


@pytest.mark.parametrize("mode", ["required", "optional", "any-ca"])
def test_tls12_server_rejection_arrives_in_the_handshake(files: Files, mode: str) -> None:
    with LoopbackServer(server_files(files), mode, max_version="TLSv1.2") as srv:  # type: ignore[arg-type]
        v = check(srv, files)
    probes = {p["label"]: p for p in v.evidence["probes"]}
    assert probes["valid client certificate"]["version"] == "TLSv1.2"
    if mode == "required":
        assert v.status is Status.OK and critical(v) == set()
        assert probes["no client certificate"]["stage"] == "handshake"
        assert probes["no client certificate"]["outcome"] == "rejected"
    else:
        expected = {"optional": "mtls.not-enforced", "any-ca": "mtls.untrusted-client-accepted"}[mode]
        assert critical(v) == {expected}


def test_wrong_server_name_and_wrong_ca(files: Files) -> None:
    with LoopbackServer(server_files(files), "required") as srv:
        wrong_name = check(srv, files, server_name="example.invalid")
        wrong_ca = check(srv, files, ca="other-ca")
    assert "mtls.server-untrusted" in rules(wrong_name) and wrong_name.evidence["name_matches"] is False
    assert "mtls.server-untrusted" in rules(wrong_ca) and wrong_ca.evidence["server_verify_errors"]


def test_given_client_rejected_means_check_failed(files: Files) -> None:
    with LoopbackServer(server_files(files), "required") as srv:
        v = check(srv, files, client="other-ca-client")
    assert v.status is Status.FAILED and v.reason and "unknown_ca" in v.reason
    assert rules(v) == {"mtls.valid-client-rejected"}


def test_silent_server_still_judged_tls13_rejection_on_read(files: Files) -> None:
    """The server waits for the client (like HTTP): no rejection means accepted, the alert still counts."""
    with LoopbackServer(server_files(files), "required", after="silent") as srv:
        v = check(srv, files, read_wait=0.3)
    assert v.status is Status.OK, v.reason
    hows = {p["label"]: p["how"] for p in v.evidence["probes"]}
    assert hows["valid client certificate"].startswith("no rejection within")
    assert hows["no client certificate"] == "alert certificate_required"


def test_close_after_handshake_counts_as_rejection(files: Files) -> None:
    with LoopbackServer(server_files(files), "none", after="close") as srv:
        v = check(srv, files)
    assert v.status is Status.FAILED
    assert v.evidence["probes"][0]["outcome"] == "rejected"
    assert v.evidence["probes"][0]["how"].startswith("eof")


def test_connection_refused_is_incomplete_not_clean(files: Files) -> None:
    with socket.socket() as s:  # a port that nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    spec = TargetSpec("127.0.0.1", port, files["ca"][0], *files["client"], timeout=2.0)
    v = check_target(spec)
    assert v.status is Status.FAILED and v.findings == ()
    assert v.reason and "cannot connect" in v.reason


@pytest.fixture
def mute_listener() -> Iterator[int]:
    """Accepts TCP connections and never answers (not TLS)."""
    lst = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        lst.settimeout(0.05)
        while not stop.is_set():
            try:
                held.append(lst.accept()[0])
            except TimeoutError:
                continue

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    yield lst.getsockname()[1]
    stop.set()
    t.join(2)
    for c in held:
        c.close()
    lst.close()


def test_handshake_timeout_is_status_timeout(files: Files, mute_listener: int) -> None:
    spec = TargetSpec("127.0.0.1", mute_listener, files["ca"][0], *files["client"], timeout=0.5)
    v = check_target(spec)
    assert v.status is Status.TIMEOUT and v.findings == ()
    assert v.reason and "timed out" in v.reason
