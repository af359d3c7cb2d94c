"""The independent side of the PQC check: FIPS 203 sizes, hashlib's implicit rejection, key layout, and
cryptography's ML-KEM, validated against the official ML-KEM-768 ACVP vectors (read by path)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pytest

from secscan.analyzers.pqc.reference import FIPS203, implicit_rejection, reference_for, sk_structure

ACVP = Path(__file__).resolve().parents[2].parent / "shared" / "pqc" / "mlkem768_acvp_subset.json"


@pytest.fixture(scope="module")
def acvp() -> dict[str, Any]:
    if not ACVP.is_file():
        pytest.skip(f"[shared] ACVP vectors not present at {ACVP}")
    data: dict[str, Any] = json.loads(ACVP.read_text())
    assert data["parameterSet"] == "ML-KEM-768"
    return data


def test_fips203_size_table() -> None:
    assert {a: (p.pk, p.sk, p.ct, p.ss) for a, p in FIPS203.items()} == {
        "ML-KEM-512": (800, 1632, 768, 32), "ML-KEM-768": (1184, 2400, 1088, 32),
        "ML-KEM-1024": (1568, 3168, 1568, 32)}
    for p in FIPS203.values():  # sk = dk_pke (384k) || ek || H(ek) || z
        assert p.sk == 384 * p.k + p.pk + 32 + 32 and p.pk == 384 * p.k + 32


def test_acvp_keygen_layout_and_reference(acvp: dict[str, Any]) -> None:
    ref = reference_for("ML-KEM-768")
    for tc in acvp["keyGen"]:
        d, z, ek, dk = (bytes.fromhex(tc[k]) for k in ("d", "z", "ek", "dk"))
        assert sk_structure("ML-KEM-768", ek, dk) is None
        assert dk[-32:] == z
        assert sk_structure("ML-KEM-768", ek, dk[:-1] + b"\x00") is None  # z is not covered by the layout
        assert sk_structure("ML-KEM-768", ek[:-1] + bytes([ek[-1] ^ 1]), dk) is not None
        if ref is not None:
            assert ref.public_from_seed(d + z) == ek


def test_acvp_implicit_rejection(acvp: dict[str, Any]) -> None:
    dec = acvp["decapsulation"]
    dk = bytes.fromhex(dec["dk"])
    kinds = set()
    for tc in dec["tests"]:
        c, k = bytes.fromhex(tc["c"]), bytes.fromhex(tc["k"])
        kinds.add(tc["reason"])
        if tc["reason"] == "modify ciphertext":
            assert implicit_rejection(dk, c) == k, tc["tcId"]
        else:  # a valid ciphertext's key is not the rejection value
            assert implicit_rejection(dk, c) != k, tc["tcId"]
    assert kinds == {"modify ciphertext", "no modification"}


def test_acvp_encapsulation_vectors_are_consistent(acvp: dict[str, Any]) -> None:
    for tc in acvp["encapsulation"]:
        ek, dk = bytes.fromhex(tc["ek"]), bytes.fromhex(tc["dk"])
        assert sk_structure("ML-KEM-768", ek, dk) is None
        assert len(bytes.fromhex(tc["c"])) == FIPS203["ML-KEM-768"].ct


@pytest.mark.parametrize("alg", ["ML-KEM-768", "ML-KEM-1024"])
def test_cryptography_reference_behaves_like_fips203(alg: str) -> None:
    ref = reference_for(alg)
    if ref is None:
        pytest.skip(f"cryptography offers no {alg} here")
    p = FIPS203[alg]
    seed = os.urandom(64)
    pk = ref.public_from_seed(seed)
    assert len(pk) == p.pk and ref.public_from_seed(seed) == pk
    ct, ss = ref.encapsulate(pk)
    assert (len(ct), len(ss)) == (p.ct, p.ss)
    assert ref.decapsulate(seed, ct) == ss
    tampered = bytes([ct[0] ^ 1]) + ct[1:]
    # cryptography (OpenSSL) also rejects implicitly: SHAKE256(z || c')[:32], z = second half of the seed
    assert ref.decapsulate(seed, tampered) == hashlib.shake_256(seed[32:] + tampered).digest(32)
    for bad in (ct[:-1], ct + b"\x00"):
        with pytest.raises(ValueError):
            ref.decapsulate(seed, bad)
    with pytest.raises(ValueError):
        ref.encapsulate(pk + b"\x00")


def test_no_reference_for_ml_kem_512_or_others() -> None:
    assert reference_for("Kyber512") is None
    # cryptography 50 offers ML-KEM-768/1024 only; if it ever gains 512 the checks use it automatically
    ref = reference_for("ML-KEM-512")
    assert ref is None or len(ref.public_from_seed(os.urandom(64))) == 800
