"""The PQC check's canary: the verdict logic must judge a built-in stub as `stub` (in process, no child)."""

from __future__ import annotations

import os
from typing import Any

from secscan.analyzers.pqc.evaluate import Task, evaluate_mlkem
from secscan.analyzers.pqc.reference import FIPS203
from secscan.analyzers.pqc.result import ChildStatus, Evidence, Probe, Verdict
from secscan.analyzers.pqc.verdict import decide

_ALG = "ML-KEM-768"


def _stub_ops() -> dict[str, Any]:
    """What a stub that always returns the same secret and echoes the public key would answer."""
    p = FIPS203[_ALG]
    pk, sk = os.urandom(p.pk), os.urandom(p.sk)
    ss = bytes(32)
    ct = pk[:p.ct]

    def v(*items: bytes) -> dict[str, Any]:
        return {"value": [i.hex() for i in items] if len(items) > 1 else items[0].hex()}

    ops = {name: v(pk, sk) for name in ("keypair1", "keypair2", "keypair_seed", "keypair_seed_repeat")}
    ops.update({name: v(ct, ss) for name in ("encaps1", "encaps2", "encaps_ref")})
    ops.update({name: v(ss) for name in ("decaps1", "decaps2", "decaps_reloaded", "decaps_tampered_first",
                                         "decaps_tampered_last", "decaps_tampered_repeat", "decaps_ref",
                                         "decaps_short_ct", "decaps_long_ct", "encaps_long_pk",
                                         "secret_key_long", "keypair_seed_short")})
    return ops


def self_test() -> str | None:
    """None when a built-in stub is judged `stub` on several kinds of evidence, else what went wrong."""
    try:
        alg = evaluate_mlkem(_ALG, _stub_ops(), Task(_ALG, os.urandom(64)))
        ev = Evidence(python="(self-test)", probe=Probe(None, None, ()), child_status=ChildStatus.OK,
                      requested=(_ALG,), libraries_mapped=(), algorithms=(alg,))
        verdict, _ = decide(ev)
    except Exception as exc:
        return f"PQC verdict self-test raised {type(exc).__name__}: {exc}"
    expected = {"distinct_keys", "implicit_rejection", "secret_not_in_public_data", "wrong_lengths"}
    missed = expected - {c.name for c in alg.failed}
    if verdict is not Verdict.STUB or missed:
        return f"PQC verdict self-test: a built-in stub was judged {verdict.value}; missed: {sorted(missed)}"
    return None
