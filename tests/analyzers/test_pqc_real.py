"""The real liboqs path: only where a liboqs shared library is found the way liboqs-python looks for it
(system library path, or OQS_INSTALL_PATH / ~/_oqs). Elsewhere every test here skips and says why."""

from __future__ import annotations

import importlib.util
import json
import os
import textwrap
from pathlib import Path
from typing import Any

import pytest

from secscan.analyzers.pqc.probe import probe_library
from secscan.analyzers.pqc.result import ChildStatus, Verdict
from secscan.analyzers.pqc.verify import resolve_python, run_child, verify
from secscan.process.runner import Runner

ACVP = Path(__file__).resolve().parents[2].parent / "shared" / "pqc" / "mlkem768_acvp_subset.json"


@pytest.fixture(scope="module")
def liboqs() -> str:
    probe = probe_library()
    if not probe.found:
        pytest.skip("[liboqs] no liboqs shared library found (searched: " + ", ".join(probe.searched)
                    + "); set OQS_INSTALL_PATH to a liboqs install prefix to run the real-path tests")
    return probe.found


@pytest.fixture(scope="module")
def liboqs_python(liboqs: str) -> str:
    if importlib.util.find_spec("oqs") is None:
        pytest.skip("liboqs-python (the oqs module) is not installed in this interpreter")
    return liboqs


def test_real_liboqs_is_judged_real(liboqs_python: str) -> None:
    res = verify(timeout=60)
    assert res.verdict is Verdict.REAL, res.reasons
    ev = res.evidence
    assert ev.module_genuine is True and ev.liboqs_version and ev.liboqs_python_version
    assert ev.libraries_mapped is None or ev.libraries_mapped
    assert {"ML-KEM-512", "ML-KEM-768", "ML-KEM-1024"} <= set(ev.enabled_kems)
    for alg in ev.algorithms:
        assert not alg.failed, alg
        if alg.alg in ("ML-KEM-768", "ML-KEM-1024") and ev.seeded_keygen:
            assert alg.check("seeded_keygen").passed is True  # type: ignore[union-attr]
            assert alg.check("cross_ref_to_oqs").passed is True  # type: ignore[union-attr]
            assert alg.check("cross_oqs_to_ref").passed is True  # type: ignore[union-attr]
    json.dumps(res.to_dict())


def test_real_liboqs_matches_acvp_vectors(liboqs_python: str) -> None:
    if not ACVP.is_file():
        pytest.skip(f"[shared] ACVP vectors not present at {ACVP}")
    data: dict[str, Any] = json.loads(ACVP.read_text())
    alg = data["parameterSet"]
    decaps = [{"id": f"dec-{t['tcId']}", "alg": alg, "sk": data["decapsulation"]["dk"], "ct": t["c"],
               "k": t["k"]} for t in data["decapsulation"]["tests"]]
    decaps += [{"id": f"enc-{t['tcId']}", "alg": alg, "sk": t["dk"], "ct": t["c"], "k": t["k"]}
               for t in data["encapsulation"]]
    want = {d["id"]: d.pop("k").lower() for d in decaps}
    status, doc, err = run_child(Runner(), resolve_python(None), {"algs": [], "decaps": decaps}, 60)
    assert status is ChildStatus.OK, err
    got = {d["id"]: d.get("value") for d in doc["decaps"]}
    assert got == want
    for tc in data["keyGen"]:  # seeded key generation gives exactly the vectors' ek and dk
        req = {"algs": [alg], "basic": False, "tasks": {alg: {"seed": tc["d"] + tc["z"]}}}
        status, doc, err = run_child(Runner(), resolve_python(None), req, 60)
        ops = doc["algorithms"][alg]
        if "unsupported" in ops.get("keypair_seed", {}):
            pytest.skip("this liboqs-python cannot generate a key pair from a seed")
        assert ops["keypair_seed"]["value"] == [tc["ek"].lower(), tc["dk"].lower()]


SHIM = '''
import ctypes, os
_lib = ctypes.CDLL(os.environ["SECSCAN_TEST_LIBOQS"])
class _Kem(ctypes.Structure):
    _fields_ = [("method_name", ctypes.c_char_p), ("alg_version", ctypes.c_char_p),
                ("claimed_nist_level", ctypes.c_ubyte), ("ind_cca", ctypes.c_bool),
                ("length_public_key", ctypes.c_size_t), ("length_secret_key", ctypes.c_size_t),
                ("length_ciphertext", ctypes.c_size_t), ("length_shared_secret", ctypes.c_size_t)]
_lib.OQS_KEM_new.restype = ctypes.POINTER(_Kem)
_lib.OQS_version.restype = ctypes.c_char_p
def native(): return _lib
def oqs_version(): return _lib.OQS_version().decode()
def get_enabled_kem_mechanisms(): return ("ML-KEM-512", "ML-KEM-768", "ML-KEM-1024")
class KeyEncapsulation:
    def __init__(self, alg, secret_key=None):
        self._k = _lib.OQS_KEM_new(alg.encode())
        if not self._k: raise RuntimeError(alg + " not enabled")
        c = self._k.contents
        self.pkl, self.skl, self.ctl, self.ssl = (c.length_public_key, c.length_secret_key,
                                                  c.length_ciphertext, c.length_shared_secret)
        if secret_key is not None and len(secret_key) != self.skl: raise ValueError("secret key length")
        self.sk = secret_key
    def generate_keypair(self):
        pk, sk = ctypes.create_string_buffer(self.pkl), ctypes.create_string_buffer(self.skl)
        assert _lib.OQS_KEM_keypair(self._k, pk, sk) == 0
        self.sk = sk.raw
        return pk.raw
    def export_secret_key(self): return self.sk
    def encap_secret(self, pk):
        if len(pk) != self.pkl: raise ValueError("public key length")
        ct, ss = ctypes.create_string_buffer(self.ctl), ctypes.create_string_buffer(self.ssl)
        assert _lib.OQS_KEM_encaps(self._k, ct, ss, pk) == 0
        return ct.raw, ss.raw
    def decap_secret(self, ct):
        if len(ct) != self.ctl: raise ValueError("ciphertext length")
        ss = ctypes.create_string_buffer(self.ssl)
        assert _lib.OQS_KEM_decaps(self._k, ss, ct, self.sk) == 0
        return ss.raw
'''


def test_shim_backed_by_liboqs_without_seeded_keygen_is_real(liboqs: str, tmp_path: Path) -> None:
    pkg = tmp_path / "shim" / "oqs"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text(textwrap.dedent(SHIM))
    env = {"PYTHONPATH": str(tmp_path / "shim"), "SECSCAN_TEST_LIBOQS": liboqs}
    res = verify(("ML-KEM-768", "ML-KEM-512"), env=env, timeout=60)
    assert res.verdict is Verdict.REAL, res.reasons
    assert res.evidence.module_genuine is False and res.evidence.seeded_keygen is False
    assert any("not the installed liboqs-python" in n for n in res.notes)
    mlkem768 = next(a for a in res.evidence.algorithms if a.alg == "ML-KEM-768")
    assert mlkem768.check("seeded_keygen").passed is None  # type: ignore[union-attr]
    cross = mlkem768.check("cross_ref_to_oqs")
    assert cross is not None and cross.passed is True and "second pass" in cross.detail
    assert os.path.realpath(res.evidence.library_path or "") == os.path.realpath(liboqs)


FOREIGN = '''"""Stands for PyPI's unrelated `oqs` distribution: importable, but not liboqs-python."""
__version__ = "0.10.2"
def solve(problem): return None
'''


def test_real_library_present_every_fake_keeps_its_own_verdict(liboqs_python: str, tmp_path: Path) -> None:
    """With the real liboqs loadable (OQS_INSTALL_PATH), each fake in its own child interpreter is still
    judged for what it is, and the installed liboqs-python reads REAL in the same test run: one process never
    holds two `oqs` modules (each verdict comes from a fresh child)."""
    from pqc_fakes import FAKES, fake_env

    for kind in ("random", "constant", "echo", "roundtrip", "noisy", "perfect"):
        res = verify(("ML-KEM-768",), env=fake_env(tmp_path, FAKES[kind], kind), timeout=60)
        assert res.verdict is Verdict.STUB, (kind, res.reasons)
        assert res.evidence.module_genuine is False, kind
        assert res.evidence.module and res.evidence.module.startswith(str(tmp_path / kind)), kind
    sizes = '"ML-KEM-768": (3, 1184, 2400, 1088)'
    wrong = FAKES["perfect"].replace(sizes, sizes.replace("1088", "1000"))  # a ciphertext of the wrong size
    assert wrong != FAKES["perfect"]
    res = verify(("ML-KEM-768",), env=fake_env(tmp_path, wrong, "wrong-sizes"), timeout=60)
    assert res.verdict is Verdict.STUB, res.reasons
    res = verify(("ML-KEM-768",), env=fake_env(tmp_path, FOREIGN, "foreign"), timeout=60)
    assert res.verdict is not Verdict.REAL, res.reasons
    assert res.evidence.module_genuine is not True
    res = verify(timeout=60)  # the installed liboqs-python over ../shared/liboqs, after every fake
    assert res.verdict is Verdict.REAL, res.reasons
    assert res.evidence.module_genuine is True
    assert os.path.realpath(res.evidence.library_path or "") == os.path.realpath(liboqs_python)
