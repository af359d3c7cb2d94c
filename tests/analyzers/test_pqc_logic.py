"""PQC verdict logic: evaluation of raw child answers (built here with cryptography's real ML-KEM), the
pure verdict, the scanner mapping and the text rendering. No child process."""

from __future__ import annotations

import hashlib
import os
from dataclasses import replace
from typing import Any

import pytest

from secscan.analyzers.pqc.evaluate import Task, evaluate_generic, evaluate_mlkem
from secscan.analyzers.pqc.reference import FIPS203, reference_for
from secscan.analyzers.pqc.render import render_text
from secscan.analyzers.pqc.result import AlgEvidence, Check, ChildStatus, Evidence, PqcResult, Probe, Verdict
from secscan.analyzers.pqc.selftest import self_test
from secscan.analyzers.pqc.verdict import decide
from secscan.core.model import Category, Severity, Status
from secscan.scanners.pqc import result_to_parsed

CRYPTO_ALGS = [a for a in ("ML-KEM-768", "ML-KEM-1024") if reference_for(a) is not None]


def _flip(ct: bytes, i: int) -> bytes:
    b = bytearray(ct)
    b[i] ^= 1
    return bytes(b)


def _v(*items: bytes) -> dict[str, Any]:
    return {"value": [x.hex() for x in items] if len(items) > 1 else items[0].hex()}


def _err(text: str = "ValueError: byte string too long") -> dict[str, Any]:
    return {"error": text}


def _keypair(alg: str, seed: bytes) -> tuple[bytes, bytes]:
    """ek from cryptography; an sk with FIPS 203's layout around it (dk_pke is filler: never checked)."""
    p = FIPS203[alg]
    ek = reference_for(alg).public_from_seed(seed)  # type: ignore[union-attr]
    sk = os.urandom(384 * p.k) + ek + hashlib.sha3_256(ek).digest() + seed[32:]
    return ek, sk


def real_ops(alg: str) -> tuple[dict[str, Any], Task]:
    """What a real liboqs would answer, computed with cryptography (OpenSSL) instead."""
    ref = reference_for(alg)
    assert ref is not None
    s1, s2, s3 = os.urandom(64), os.urandom(64), os.urandom(64)
    (pk1, sk1), (pk2, sk2), (pks, sks) = _keypair(alg, s1), _keypair(alg, s2), _keypair(alg, s3)
    (ct1, ss1), (ct2, ss2) = ref.encapsulate(pk1), ref.encapsulate(pk1)
    ref_ct, ref_ss = ref.encapsulate(pks)
    x_ct, x_ss = ref.encapsulate(pks)
    ops = {"keypair1": _v(pk1, sk1), "keypair2": _v(pk2, sk2),
           "encaps1": _v(ct1, ss1), "encaps2": _v(ct2, ss2),
           "decaps1": _v(ref.decapsulate(s1, ct1)), "decaps2": _v(ref.decapsulate(s1, ct2)),
           "decaps_reloaded": _v(ref.decapsulate(s1, ct1)),
           "decaps_tampered_first": _v(ref.decapsulate(s1, _flip(ct1, 0))),
           "decaps_tampered_last": _v(ref.decapsulate(s1, _flip(ct1, -1))),
           "decaps_tampered_repeat": _v(ref.decapsulate(s1, _flip(ct1, 0))),
           "decaps_long_ct": _err(), "decaps_short_ct": _err(), "encaps_long_pk": _err(),
           "secret_key_long": _err(), "keypair_seed": _v(pks, sks), "keypair_seed_repeat": _v(pks, sks),
           "keypair_seed_short": _err(), "encaps_ref": _v(x_ct, x_ss),
           "decaps_ref": _v(ref.decapsulate(s3, ref_ct)),
           "details": {"value": {"length_public_key": len(pk1), "length_ciphertext": len(ct1)}}}
    return ops, Task(alg, s3, pks, ref_ct, ref_ss)


def _evidence(*algs: AlgEvidence, mapped: tuple[str, ...] | None = ("/x/liboqs.so.0.16.0",),
              status: ChildStatus = ChildStatus.OK, **kw: Any) -> Evidence:
    return Evidence(python="/usr/bin/python3", probe=Probe("/x/liboqs.so", "0.16.0", ("/x/liboqs.so",)),
                    child_status=status, requested=tuple(a.alg for a in algs) or ("ML-KEM-768",),
                    libraries_mapped=mapped, algorithms=algs, **kw)


@pytest.mark.parametrize("alg", CRYPTO_ALGS)
def test_real_answers_pass_every_check(alg: str) -> None:
    ops, task = real_ops(alg)
    ev = evaluate_mlkem(alg, ops, task)
    assert [c for c in ev.checks if c.passed is not True] == []
    assert {c.name for c in ev.checks} >= {"sizes", "round_trip", "implicit_rejection", "seeded_keygen",
                                           "cross_ref_to_oqs", "cross_oqs_to_ref", "wrong_lengths"}
    assert decide(_evidence(ev))[0] is Verdict.REAL


def _mutate(ops: dict[str, Any], alg: str, kind: str) -> None:
    p = FIPS203[alg]
    ss1 = bytes.fromhex(ops["encaps1"]["value"][1])
    if kind == "random_tamper":
        for op in ("decaps_tampered_first", "decaps_tampered_last"):
            ops[op] = _v(os.urandom(32))
    elif kind == "tamper_raises":
        ops["decaps_tampered_first"] = _err("RuntimeError: Can not decapsulate secret")
    elif kind == "tamper_gives_secret":
        ops["decaps_tampered_first"] = _v(ss1)
    elif kind == "short_secret":
        ops["encaps1"] = _v(bytes.fromhex(ops["encaps1"]["value"][0]), ss1[:16])
    elif kind == "same_keys":
        ops["keypair2"] = ops["keypair1"]
    elif kind == "same_encapsulation":
        ops["encaps2"] = ops["encaps1"]
    elif kind == "wrong_seeded_key":
        ops["keypair_seed"] = ops["keypair_seed_repeat"] = ops["keypair2"]
    elif kind == "accepts_long_ct":
        ops["decaps_long_ct"] = _v(os.urandom(32))
    elif kind == "short_ct_garbage":
        ops["decaps_short_ct"] = _v(os.urandom(32))
    elif kind == "cross_mismatch":
        ops["decaps_ref"] = _v(os.urandom(32))
    elif kind == "oqs_ciphertext_foreign":
        ops["encaps_ref"] = _v(os.urandom(p.ct), os.urandom(32))
    elif kind == "bad_structure":
        pk, sk = (bytes.fromhex(x) for x in ops["keypair1"]["value"])
        ops["keypair1"] = _v(pk, sk[:-64] + os.urandom(64))


MUTATIONS = {"random_tamper": "implicit_rejection", "tamper_raises": "implicit_rejection",
             "tamper_gives_secret": "implicit_rejection", "short_secret": "sizes",
             "same_keys": "distinct_keys",
             "same_encapsulation": "distinct_encapsulations", "wrong_seeded_key": "seeded_keygen",
             "accepts_long_ct": "wrong_lengths", "short_ct_garbage": "wrong_lengths",
             "cross_mismatch": "cross_ref_to_oqs", "oqs_ciphertext_foreign": "cross_oqs_to_ref",
             "bad_structure": "key_structure"}


@pytest.mark.skipif(not CRYPTO_ALGS, reason="cryptography offers no ML-KEM here")
@pytest.mark.parametrize("kind", sorted(MUTATIONS))
def test_each_wrong_answer_fails_its_check_and_reads_stub(kind: str) -> None:
    alg = CRYPTO_ALGS[0]
    ops, task = real_ops(alg)
    _mutate(ops, alg, kind)
    ev = evaluate_mlkem(alg, ops, task)
    assert MUTATIONS[kind] in {c.name for c in ev.failed}
    verdict, reasons = decide(_evidence(ev))
    assert verdict is Verdict.STUB
    assert any(MUTATIONS[kind] in r for r in reasons)


def test_short_ciphertext_zero_padded_is_accepted_with_a_note() -> None:
    alg = CRYPTO_ALGS[0]
    ops, task = real_ops(alg)
    sk, ct = bytes.fromhex(ops["keypair1"]["value"][1]), bytes.fromhex(ops["encaps1"]["value"][0])
    ops["decaps_short_ct"] = _v(hashlib.shake_256(sk[-32:] + ct[:-1] + b"\x00").digest(32))
    check = evaluate_mlkem(alg, ops, task).check("wrong_lengths")
    assert check is not None and check.passed is True and "zero-padded" in check.detail


def test_without_seeded_keygen_cross_check_uses_the_second_pass() -> None:
    alg = CRYPTO_ALGS[0]
    ops, task = real_ops(alg)
    for op in ("keypair_seed_repeat", "keypair_seed_short", "decaps_ref"):
        del ops[op]
    ops["keypair_seed"] = {"unsupported": "no generate_keypair_seed"}
    ok = evaluate_mlkem(alg, ops, task, {"value": "ab" * 32, "want": bytes.fromhex("ab" * 32)})
    assert ok.check("seeded_keygen").passed is None  # type: ignore[union-attr]
    assert "cross-implementation decapsulation" in ok.check("seeded_keygen").detail  # type: ignore[union-attr]
    assert ok.check("cross_ref_to_oqs").passed is True  # type: ignore[union-attr]
    bad = evaluate_mlkem(alg, ops, task, {"value": "ab" * 32, "want": bytes(32)})
    assert bad.check("cross_ref_to_oqs").passed is False  # type: ignore[union-attr]
    none = evaluate_mlkem(alg, ops, task, None)
    assert none.check("cross_ref_to_oqs").passed is False  # type: ignore[union-attr]


def test_generic_kem_checks_consistency() -> None:
    ops, _ = real_ops(CRYPTO_ALGS[0])
    assert not evaluate_generic("Kyber768", ops).failed
    ops["decaps_tampered_repeat"] = _v(os.urandom(32))
    assert "implicit_rejection" in {c.name for c in evaluate_generic("Kyber768", ops).failed}


@pytest.mark.parametrize("status", [ChildStatus.TIMEOUT, ChildStatus.CHILD_ERROR, ChildStatus.PROTOCOL_ERROR,
                                    ChildStatus.NOT_STARTED, ChildStatus.IMPORT_FAILED])
def test_evidence_not_gathered_is_broken(status: ChildStatus) -> None:
    verdict, reasons = decide(_evidence(status=status, child_error="boom"))
    assert verdict is Verdict.BROKEN and "boom" in reasons[0]


def test_unavailable_names_what_was_searched() -> None:
    ev = _evidence(status=ChildStatus.NO_LIBRARY, module="/site/oqs/__init__.py",
                   library_search=("/home/u/_oqs/lib/liboqs.so",))
    ev = replace(ev, probe=Probe(None, None, ("/opt/oqs/lib/liboqs.so",)))
    verdict, reasons = decide(ev)
    assert verdict is Verdict.UNAVAILABLE
    assert "/opt/oqs/lib/liboqs.so" in reasons[0] and "/home/u/_oqs/lib/liboqs.so" in reasons[0]
    assert decide(replace(ev, child_status=ChildStatus.NO_MODULE))[0] is Verdict.UNAVAILABLE


def test_module_not_backed_by_liboqs_is_stub_even_when_checks_pass() -> None:
    good = AlgEvidence("ML-KEM-768", (Check("round_trip", True),))
    verdict, reasons = decide(_evidence(good, mapped=(), module="/app/oqs.py"))
    assert verdict is Verdict.STUB and "not backed by a liboqs library" in reasons[0]
    assert decide(_evidence(good, mapped=None, library_path=None))[0] is Verdict.STUB
    assert decide(_evidence(good, mapped=None, library_path="/x/liboqs.so"))[0] is Verdict.REAL


def test_alg_not_enabled_in_real_liboqs_is_broken_and_missing_alg_too() -> None:
    err = AlgEvidence("ML-KEM-768", (), error="MechanismNotEnabledError: ML-KEM-768")
    assert decide(_evidence(err, enabled_kems=("ML-KEM-512",)))[0] is Verdict.BROKEN
    ok = AlgEvidence("ML-KEM-512", (Check("round_trip", True),))
    ev = replace(_evidence(ok), requested=("ML-KEM-512", "ML-KEM-1024"))
    verdict, reasons = decide(ev)
    assert verdict is Verdict.BROKEN and any("ML-KEM-1024" in r for r in reasons)


def test_builtin_self_test_detects_its_stub() -> None:
    assert self_test() is None


def _result(verdict: Verdict, *algs: AlgEvidence) -> PqcResult:
    return PqcResult(verdict, ("because",), _evidence(*algs, module="/site/oqs/__init__.py"), 0.1)


def test_scanner_mapping() -> None:
    real = result_to_parsed(_result(Verdict.REAL), require=True)
    assert real.status is Status.OK and not real.findings and real.evidence["verdict"] == "real"  # type: ignore[index]
    stub = result_to_parsed(_result(Verdict.STUB), require=False)
    assert stub.status is Status.OK and [f.rule_id for f in stub.findings] == ["PQC-STUB"]
    f = stub.findings[0]
    assert f.severity is Severity.CRITICAL and f.category is Category.CRYPTO and f.sources == ("pqc",)
    assert f.title == "PQC running in stub mode" and "because" in f.message
    assert "liboqs" in (f.remediation or "")
    broken = result_to_parsed(_result(Verdict.BROKEN), require=False)
    assert broken.status is Status.FAILED and broken.findings[0].severity is Severity.HIGH and broken.reason
    skipped = result_to_parsed(_result(Verdict.UNAVAILABLE), require=False)
    assert skipped.status is Status.SKIPPED and not skipped.findings and "because" in (skipped.reason or "")
    required = result_to_parsed(_result(Verdict.UNAVAILABLE), require=True)
    assert required.status is Status.OK and required.findings[0].rule_id == "PQC-UNAVAILABLE"
    assert required.findings[0].severity is Severity.CRITICAL


def test_render_shows_the_table_and_failures() -> None:
    alg = AlgEvidence("ML-KEM-768", (Check("round_trip", True, "ok"),
                                     Check("implicit_rejection", False, "bad"),
                                     Check("cross_ref_to_oqs", None, "n/a")))
    text = render_text(_result(Verdict.STUB, alg).to_dict(), "ok", ["CRITICAL PQC running in stub mode: fix"])
    assert "implicit_rejection" in text and "FAIL ML-KEM-768 implicit_rejection: bad" in text
    assert "verdict: STUB" in text and "CRITICAL PQC running in stub mode" in text


def test_short_ciphertext_whose_padding_restores_it_gives_the_secret() -> None:
    alg = CRYPTO_ALGS[0]
    ops, task = real_ops(alg)
    ref = reference_for(alg)
    assert ref is not None
    pk = bytes.fromhex(ops["keypair1"]["value"][0])
    for _ in range(5000):  # about 1 in 256 ciphertexts ends with a zero byte
        ct, ss = ref.encapsulate(pk)
        if ct[-1] == 0:
            break
    else:
        pytest.fail("no ciphertext ending with 0 in 5000 tries")
    ops["encaps1"] = _v(ct, ss)
    ops["decaps_short_ct"] = _v(ss)  # zero-padding ct[:-1] gives ct back
    check = evaluate_mlkem(alg, ops, task).check("wrong_lengths")
    assert check is not None and check.passed is True
    z = bytes.fromhex(ops["keypair1"]["value"][1])[-32:]
    ops["decaps_short_ct"] = _v(hashlib.shake_256(z + ct).digest(32))
    assert evaluate_mlkem(alg, ops, task).check("wrong_lengths").passed is False  # type: ignore[union-attr]
