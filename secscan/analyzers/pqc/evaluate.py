"""Turn the child's raw bytes into evidence, comparing against the independent reference.

`plan` prepares what the child needs (seeds, a reference public key and ciphertext); `evaluate` makes
every check from the child's answers. Pure apart from random seeds and cryptography's operations.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from secscan.analyzers.pqc.reference import (
    FIPS203,
    Reference,
    implicit_rejection,
    reference_for,
    sk_structure,
)
from secscan.analyzers.pqc.result import AlgEvidence, Check


@dataclass(frozen=True)
class Task:
    """What the parent prepared for one algorithm."""

    alg: str
    seed: bytes | None = None
    ref_pk: bytes | None = None
    ref_ct: bytes | None = None
    ref_ss: bytes | None = None

    def request(self) -> dict[str, str | None]:
        """The part of the child request for this algorithm (public data and the test seed)."""
        return {"seed": self.seed.hex() if self.seed else None,
                "ref_pk": self.ref_pk.hex() if self.ref_pk else None,
                "ref_ct": self.ref_ct.hex() if self.ref_ct else None}


def plan(alg: str) -> Task:
    """A fresh seed for ML-KEM, and cryptography's key and ciphertext for it when available."""
    if alg not in FIPS203:
        return Task(alg)
    seed = os.urandom(FIPS203[alg].seed)
    ref = reference_for(alg)
    if ref is None:
        return Task(alg, seed)
    pk = ref.public_from_seed(seed)
    ct, ss = ref.encapsulate(pk)
    return Task(alg, seed, pk, ct, ss)


class Raw:
    """Typed access to one algorithm's raw child results."""

    def __init__(self, ops: Mapping[str, Any]) -> None:
        self.ops = ops

    def get(self, op: str, i: int | None = None) -> bytes | None:
        """The bytes an operation returned (item i of a pair), None when it failed or did not run."""
        res = self.ops.get(op)
        if not isinstance(res, dict) or "value" not in res:
            return None
        val = res["value"]
        try:
            return bytes.fromhex(val[i] if i is not None else val)
        except (TypeError, ValueError, IndexError):
            return None

    def why(self, op: str) -> str:
        """Why an operation has no value."""
        res = self.ops.get(op)
        if not isinstance(res, dict):
            return f"{op} did not run"
        return str(res.get("error") or res.get("unsupported") or f"{op} returned no bytes")

    def refused(self, op: str) -> bool:
        """True when the operation raised."""
        res = self.ops.get(op)
        return isinstance(res, dict) and "error" in res


def _sizes(alg: str, r: Raw) -> Check:
    p = FIPS203[alg]
    want = {("keypair1", 0): p.pk, ("keypair1", 1): p.sk, ("keypair2", 0): p.pk, ("keypair2", 1): p.sk,
            ("encaps1", 0): p.ct, ("encaps1", 1): p.ss, ("encaps2", 0): p.ct, ("encaps2", 1): p.ss,
            ("decaps1", None): p.ss}
    bad = []
    for (op, i), n in want.items():
        got = r.get(op, i)
        if got is None:
            return Check("sizes", False, f"{op}: {r.why(op)}")
        if len(got) != n:
            bad.append(f"{op}[{i}] is {len(got)} bytes, FIPS 203 says {n}")
    details = r.ops.get("details", {}).get("value") or {}
    for key, n in (("length_public_key", p.pk), ("length_secret_key", p.sk),
                   ("length_ciphertext", p.ct), ("length_shared_secret", p.ss)):
        if key in details and details[key] != n:
            bad.append(f"details {key}={details[key]}, FIPS 203 says {n}")
    return Check("sizes", not bad, "; ".join(bad) or f"pk {p.pk}, sk {p.sk}, ct {p.ct}, ss {p.ss} bytes")


def _round_trip(r: Raw) -> Check:
    pairs = (("decaps1", "encaps1"), ("decaps2", "encaps2"), ("decaps_reloaded", "encaps1"))
    for dec, enc in pairs:
        got, want = r.get(dec), r.get(enc, 1)
        if got is None or want is None:
            return Check("round_trip", False, f"{dec}: {r.why(dec) if got is None else r.why(enc)}")
        if got != want:
            return Check("round_trip", False, f"{dec} did not recover the encapsulated secret")
    return Check("round_trip", True, "decapsulation recovers the secret (same object, and a reloaded key)")


def _freshness(r: Raw) -> list[Check]:
    pk1, sk1, pk2, sk2 = (r.get(op, i) for op in ("keypair1", "keypair2") for i in (0, 1))
    ct1, ss1, ct2, ss2 = (r.get(op, i) for op in ("encaps1", "encaps2") for i in (0, 1))
    keys = Check("distinct_keys", pk1 is not None and pk1 != pk2 and sk1 != sk2,
                 "two key pairs differ" if pk1 is not None and pk1 != pk2 and sk1 != sk2
                 else "two key generations gave the same key (or failed)")
    enc_ok = ct1 is not None and ct1 != ct2 and ss1 != ss2
    encs = Check("distinct_encapsulations", enc_ok, "two encapsulations differ" if enc_ok
                 else "two encapsulations gave the same ciphertext or secret (or failed)")
    echo = ss1 is not None and ct1 is not None and pk1 is not None and (
        ss1 in ct1 or ss1 in pk1 or ct1[:64] in pk1 or len(set(ss1)) <= 2)
    no_echo = Check("secret_not_in_public_data", ss1 is not None and not echo,
                    "the secret appears in the ciphertext or public key, or is constant bytes" if echo
                    else ("the secret is not visible in the public data" if ss1 is not None else "no secret"))
    return [keys, encs, no_echo]


def _structure(alg: str, r: Raw) -> Check:
    pk, sk = r.get("keypair1", 0), r.get("keypair1", 1)
    if pk is None or sk is None:
        return Check("key_structure", False, f"keypair1: {r.why('keypair1')}")
    problem = sk_structure(alg, pk, sk)
    return Check("key_structure", problem is None, problem or "sk = dk_pke || ek || SHA3-256(ek) || z")


def _flip(ct: bytes, index: int) -> bytes:
    out = bytearray(ct)
    out[index] ^= 0x01
    return bytes(out)


def _implicit_rejection(r: Raw) -> Check:
    sk, ct, ss = r.get("keypair1", 1), r.get("encaps1", 0), r.get("encaps1", 1)
    if sk is None or ct is None:
        return Check("implicit_rejection", False, "no key pair or ciphertext to tamper with")
    for op, index in (("decaps_tampered_first", 0), ("decaps_tampered_last", -1)):
        got = r.get(op)
        if got is None:
            return Check("implicit_rejection", False, f"a tampered ciphertext raised instead of an implicit "
                         f"rejection value: {r.why(op)}")
        if got == ss:
            return Check("implicit_rejection", False, "a tampered ciphertext gave the original secret")
        if got != implicit_rejection(sk, _flip(ct, index)):
            again = r.get("decaps_tampered_repeat") if index == 0 else got
            kind = "a random value" if again != got else "a value"
            return Check("implicit_rejection", False,
                         f"a tampered ciphertext gave {kind} that is not SHAKE256(z || c')[:32]")
    return Check("implicit_rejection", True, "tampered ciphertexts give SHAKE256(z || c')[:32] (hashlib)")


def _seeded(alg: str, r: Raw, task: Task, ref: Reference | None) -> Check:
    if task.seed is None:
        return Check("seeded_keygen", None, "no seed")
    if isinstance(r.ops.get("keypair_seed"), dict) and "unsupported" in r.ops["keypair_seed"]:
        return Check("seeded_keygen", None, "the oqs module cannot generate a key pair from a seed; "
                     "compared by cross-implementation decapsulation instead")
    pk, sk = r.get("keypair_seed", 0), r.get("keypair_seed", 1)
    if pk is None or sk is None:
        return Check("seeded_keygen", False, f"keygen from a seed failed: {r.why('keypair_seed')}")
    problems = []
    if r.get("keypair_seed_repeat", 0) != pk:
        problems.append("the same seed gave a different public key")
    if sk[-32:] != task.seed[32:]:
        problems.append("z (last 32 bytes of sk) is not the seed's second half")
    problems.extend(p for p in [sk_structure(alg, pk, sk)] if p)
    if ref is not None and pk != ref.public_from_seed(task.seed):
        problems.append("the public key differs from the independent implementation's for the same seed")
    detail = ("same public key as the independent implementation" if ref is not None
              else "deterministic, z and key structure checked (no independent implementation)")
    return Check("seeded_keygen", not problems, "; ".join(problems) or detail)


def _cross_in(r: Raw, task: Task, phase2: Mapping[str, Any] | None) -> Check:
    """The reference's ciphertext, decapsulated by oqs."""
    if "decaps_ref" in r.ops:
        got, want, how, why = r.get("decaps_ref"), task.ref_ss, "with the seeded key", r.why("decaps_ref")
    elif phase2 is not None:
        val = phase2.get("value")
        got = bytes.fromhex(val) if isinstance(val, str) else None
        want, how, why = phase2.get("want"), "with a generated key (second pass)", str(phase2.get("error"))
    else:
        got, want, how, why = None, None, "", "no seeded key and no second pass"
    if got is not None and got == want:
        return Check("cross_ref_to_oqs", True,
                     f"a reference ciphertext decapsulates to the same secret {how}")
    return Check("cross_ref_to_oqs", False, f"the reference's ciphertext did not decapsulate to its secret "
                 f"{how}: {why if got is None else 'a different secret'}")


def _cross_out(r: Raw, task: Task, ref: Reference) -> Check:
    """oqs's ciphertext for the reference's public key, decapsulated by the reference."""
    ct, ss = r.get("encaps_ref", 0), r.get("encaps_ref", 1)
    if ct is None or ss is None or task.seed is None:
        return Check("cross_oqs_to_ref", False, f"oqs could not encapsulate to the reference key: "
                     f"{r.why('encaps_ref')}")
    try:
        back = ref.decapsulate(task.seed, ct)
    except ValueError as exc:
        return Check("cross_oqs_to_ref", False, f"the reference refused oqs's ciphertext: {exc}")
    if back != ss:
        return Check("cross_oqs_to_ref", False,
                     "the reference decapsulates oqs's ciphertext to another secret")
    return Check("cross_oqs_to_ref", True,
                 "an oqs ciphertext decapsulates to the same secret in the reference")


def _cross(r: Raw, task: Task, ref: Reference | None, phase2: Mapping[str, Any] | None) -> list[Check]:
    if ref is None or task.seed is None:
        why = "no independent implementation of this algorithm (cryptography offers ML-KEM-768/1024)"
        return [Check("cross_ref_to_oqs", None, why), Check("cross_oqs_to_ref", None, why)]
    return [_cross_in(r, task, phase2), _cross_out(r, task, ref)]


def _wrong_lengths(r: Raw, seeded: bool) -> Check:
    must = ["decaps_long_ct", "encaps_long_pk", "secret_key_long"]
    must += ["keypair_seed_short"] if seeded else []
    accepted = [op for op in must if op in r.ops and not r.refused(op)]
    notes = []
    short, sk, ct = r.get("decaps_short_ct"), r.get("keypair1", 1), r.get("encaps1", 0)
    if short is not None and sk is not None and ct is not None:
        padded = ct[:-1] + b"\x00"  # equals ct when its last byte is 0: then the secret itself is right
        if short == (r.get("encaps1", 1) if padded == ct else implicit_rejection(sk, padded)):
            notes.append("a short ciphertext is zero-padded by the binding, not refused: "
                         "check lengths before calling it")
        else:
            accepted.append("decaps_short_ct (not even as the zero-padded ciphertext)")
    if accepted:
        return Check("wrong_lengths", False, "accepted: " + ", ".join(accepted))
    return Check("wrong_lengths", True, "; ".join(["oversized ciphertext, public key, secret key and seed "
                                                   "are refused", *notes]))


def evaluate_mlkem(alg: str, ops: Mapping[str, Any], task: Task,
                   phase2: Mapping[str, Any] | None = None) -> AlgEvidence:
    """Every check for one ML-KEM parameter set."""
    r = Raw(ops)
    ref = reference_for(alg)
    seeded = _seeded(alg, r, task, ref)
    checks = [_sizes(alg, r), _round_trip(r), *_freshness(r), _structure(alg, r), _implicit_rejection(r),
              seeded, *_cross(r, task, ref, phase2), _wrong_lengths(r, seeded.passed is not None)]
    return AlgEvidence(alg, tuple(checks))


def evaluate_generic(alg: str, ops: Mapping[str, Any]) -> AlgEvidence:
    """Checks for a KEM that FIPS 203 does not describe: consistency, round trip, tampering."""
    r = Raw(ops)
    details = r.ops.get("details", {}).get("value") or {}
    pk, ct, ss = r.get("keypair1", 0), r.get("encaps1", 0), r.get("encaps1", 1)
    sizes = (("length_public_key", pk), ("length_ciphertext", ct), ("length_shared_secret", ss))
    size_ok = all(v is not None and details.get(k) in (None, len(v)) for k, v in sizes)
    t1, t2 = r.get("decaps_tampered_first"), r.get("decaps_tampered_repeat")
    tamper_ok = t1 is not None and t1 != ss and t1 == t2
    checks = [Check("sizes", size_ok, "sizes match the algorithm's own details" if size_ok
                    else "sizes differ from the algorithm's details (or operations failed)"),
              _round_trip(r), *_freshness(r),
              Check("implicit_rejection", tamper_ok, "a tampered ciphertext gives a stable, different secret"
                    if tamper_ok else "a tampered ciphertext raised, gave the secret, or gave random values"),
              _wrong_lengths(r, False)]
    return AlgEvidence(alg, tuple(checks))

