"""Child side of the PQC check: exercise the `oqs` module and print the raw results as JSON.

Self-contained on purpose (standard library + the `oqs` module, Python 3.8+): secscan sends this file's
source to the interpreter under test with ``python -c``, so secscan need not be installed there. It reads
one JSON request on stdin and prints one JSON document on a line starting with MARKER (whatever `oqs`
prints is ignored by the parent). It never imports an `oqs` module that would try to download and build
liboqs: it first searches for the library the way liboqs-python does, and while `oqs` is imported an
audit hook refuses to start git or cmake. The parent does every comparison; this side only runs
operations and reports bytes as hex.
"""

from __future__ import annotations

import sys

if __name__ == "__main__" and sys.path and sys.path[0] in ("", "."):
    del sys.path[0]  # never import from the working directory

import contextlib
import ctypes
import ctypes.util
import importlib
import importlib.util
import io
import json
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

MARKER = "@@SECSCAN-PQC-RESULT@@ "
PROTOCOL = 1
_BLOCKED_PROGRAMS = ("git", "git.exe", "cmake", "cmake.exe")
SYSTEM_SEARCH = "system library path (ctypes.util.find_library 'oqs', 'liboqs')"


def library_candidates(env: Any = None) -> list[str]:
    """Where liboqs-python looks for liboqs, in its order: the system search, then the install dir."""
    env = os.environ if env is None else env
    system = platform.system()
    install = Path(env["OQS_INSTALL_PATH"]) if "OQS_INSTALL_PATH" in env else Path.home() / "_oqs"
    dirs = [install / "bin"] if system == "Windows" else [install / "lib", install / "lib64"]
    out: list[str] = []
    for d in dirs:
        if system == "Darwin":
            out.append(str(d.absolute() / "liboqs.dylib"))
        elif system == "Windows":
            out.extend(str(d.absolute() / n) for n in ("oqs.dll", "liboqs.dll"))
        else:
            out.append(str(d.absolute() / "liboqs.so"))
    for name in ("oqs", "liboqs"):  # liboqs-python inserts each system hit at the front
        try:
            hit = ctypes.util.find_library(name)
        except Exception:
            hit = None
        if hit:
            out.insert(0, hit)
    return out


def search_liboqs(env: Any = None, load: bool = True) -> dict[str, Any]:
    """The first candidate that loads (ctypes) and its version.

    With load=False (the child, before `import oqs`) nothing is loaded: the first system hit or existing
    file counts, so that the liboqs files mapped into the process afterwards are those `oqs` loaded.
    """
    candidates = library_candidates(env)
    searched = [SYSTEM_SEARCH, *candidates]
    for path in candidates:
        if not load:
            if os.sep not in path or os.path.isfile(path):
                return {"found": path, "version": None, "searched": searched, "error": None}
            continue
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        version = None
        try:
            fn = lib.OQS_version
            fn.restype = ctypes.c_char_p
            raw = fn()
            version = raw.decode("utf-8", "replace") if raw else None
        except (AttributeError, OSError):
            return {"found": None, "version": None, "searched": searched,
                    "error": f"{path} loads but has no OQS_version symbol"}
        return {"found": getattr(lib, "_name", path), "version": version, "searched": searched, "error": None}
    return {"found": None, "version": None, "searched": searched, "error": None}


def _guard(event: str, args: Any) -> None:
    """Audit hook: refuse to start git or cmake (liboqs-python's download-and-build fallback)."""
    if event not in ("subprocess.Popen", "os.posix_spawn", "os.exec", "os.system"):
        return
    text = args[0] if args else ""
    if event == "subprocess.Popen":
        text = args[0] or args[1]
    prog = text[0] if isinstance(text, (list, tuple)) and text else text
    name = os.path.basename(os.fsdecode(prog)).split()[0] if prog else ""
    if name in _BLOCKED_PROGRAMS or event == "os.system":
        raise RuntimeError(f"secscan: refused to start {name or event} while importing oqs")


def _module_facts(spec: Any) -> dict[str, Any]:
    """Where the `oqs` module is, whether it is liboqs-python's own, and whether it installs on import."""
    where = spec.origin or next(iter(spec.submodule_search_locations or []), None)
    files = []
    if spec.submodule_search_locations:
        for loc in spec.submodule_search_locations:
            files.extend(sorted(Path(loc).glob("*.py")))
    elif spec.origin and spec.origin.endswith(".py"):
        files.append(Path(spec.origin))
    installs = False
    for f in files[:20]:
        with contextlib.suppress(OSError):
            text = f.read_text("utf-8", "replace")
            installs = installs or "_install_liboqs" in text or '"clone"' in text
    genuine, version = False, None
    try:
        import importlib.metadata as md

        dist = md.distribution("liboqs-python")
        version = dist.version
        mine = {str(Path(str(dist.locate_file(p))).resolve()) for p in (dist.files or [])}
        genuine = bool(files) and all(str(f.resolve()) in mine for f in files)
    except Exception:
        genuine = False
    return {"module": where, "module_genuine": genuine, "module_installs_liboqs": installs,
            "liboqs_python_version": version if genuine else None}


def _mapped_liboqs() -> list[str] | None:
    """liboqs files mapped into this process (Linux), or None when that cannot be known."""
    try:
        text = Path("/proc/self/maps").read_text()
    except OSError:
        return None
    found = {ln.split()[-1] for ln in text.splitlines() if "/" in ln and os.path.basename(
        ln.split()[-1]).startswith(("liboqs.", "liboqs-", "oqs."))}
    return sorted(found)


def _hexify(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex()
    if isinstance(value, (list, tuple)):
        return [_hexify(v) for v in value]
    return value


def _op(fn: Callable[[], Any]) -> dict[str, Any]:
    try:
        return {"value": _hexify(fn())}
    except Exception as exc:
        return {"error": f"{type(exc).__name__}: {exc}"[:300]}


def _flip(data: bytes, index: int) -> bytes:
    out = bytearray(data)
    out[index] ^= 0x01
    return bytes(out)


def _val(res: dict[str, Any], i: int) -> bytes:
    return bytes.fromhex(res["value"][i])


def _describe(oqs: Any) -> dict[str, Any]:
    def call(name: str) -> Any:
        fn = getattr(oqs, name, None)
        return _op(fn).get("value") if callable(fn) else None

    native = getattr(oqs, "native", None)
    lib = _op(native).get("value") if callable(native) else None
    enabled = call("get_enabled_kem_mechanisms") or call("get_enabled_KEM_mechanisms") or []
    return {"liboqs_version": call("oqs_version"), "liboqs_python_version": call("oqs_python_version"),
            "library_path": getattr(lib, "_name", None) if lib is not None else None,
            "enabled_kems": [str(x) for x in enabled], "libraries_mapped": _mapped_liboqs()}


def _basic_ops(kem_cls: Any, alg: str) -> dict[str, Any]:
    """Key pairs, encapsulations, decapsulations, tampering, wrong lengths."""
    r: dict[str, Any] = {}
    kem1 = kem_cls(alg)
    r["details"] = _op(lambda: dict(getattr(kem1, "details", {})))
    r["keypair1"] = _op(lambda: (kem1.generate_keypair(), kem1.export_secret_key()))
    r["keypair2"] = _op(lambda: (lambda k: (k.generate_keypair(), k.export_secret_key()))(kem_cls(alg)))
    if "value" not in r["keypair1"]:
        return r
    pk1, sk1 = _val(r["keypair1"], 0), _val(r["keypair1"], 1)
    r["encaps1"] = _op(lambda: kem_cls(alg).encap_secret(pk1))
    r["encaps2"] = _op(lambda: kem_cls(alg).encap_secret(pk1))
    if "value" not in r["encaps1"]:
        return r
    ct1 = _val(r["encaps1"], 0)
    if "value" in r["encaps2"]:
        r["decaps2"] = _op(lambda: kem1.decap_secret(_val(r["encaps2"], 0)))
    r["decaps1"] = _op(lambda: kem1.decap_secret(ct1))
    r["decaps_reloaded"] = _op(lambda: kem_cls(alg, secret_key=sk1).decap_secret(ct1))
    r["decaps_tampered_first"] = _op(lambda: kem1.decap_secret(_flip(ct1, 0)))
    r["decaps_tampered_last"] = _op(lambda: kem1.decap_secret(_flip(ct1, -1)))
    r["decaps_tampered_repeat"] = _op(lambda: kem1.decap_secret(_flip(ct1, 0)))
    r["decaps_long_ct"] = _op(lambda: kem1.decap_secret(ct1 + b"\x00"))
    r["decaps_short_ct"] = _op(lambda: kem1.decap_secret(ct1[:-1]))
    r["encaps_long_pk"] = _op(lambda: kem_cls(alg).encap_secret(pk1 + b"\x00"))
    r["secret_key_long"] = _op(lambda: kem_cls(alg, secret_key=sk1 + b"\x00").decap_secret(ct1))
    return r


def _seeded_ops(kem_cls: Any, alg: str, task: dict[str, Any], r: dict[str, Any]) -> None:
    """Seeded key generation and the cross-implementation operations the parent prepared."""
    seed = bytes.fromhex(task["seed"]) if task.get("seed") else None
    if seed is not None:
        if not hasattr(kem_cls(alg), "generate_keypair_seed"):
            r["keypair_seed"] = {"unsupported": "this oqs module has no generate_keypair_seed"}
        else:
            def seeded(s: bytes) -> Any:
                k = kem_cls(alg)
                return k.generate_keypair_seed(s), k.export_secret_key()

            r["keypair_seed"] = _op(lambda: seeded(seed))
            r["keypair_seed_repeat"] = _op(lambda: seeded(seed))
            r["keypair_seed_short"] = _op(lambda: seeded(seed[:-1]))
    if task.get("ref_pk"):
        r["encaps_ref"] = _op(lambda: kem_cls(alg).encap_secret(bytes.fromhex(task["ref_pk"])))
    if task.get("ref_ct") and "value" in r.get("keypair_seed", {}):
        sk = _val(r["keypair_seed"], 1)
        r["decaps_ref"] = _op(lambda: kem_cls(alg, secret_key=sk).decap_secret(bytes.fromhex(task["ref_ct"])))


def _run_alg(oqs: Any, alg: str, task: dict[str, Any], basic: bool) -> dict[str, Any]:
    kem_cls = oqs.KeyEncapsulation
    try:
        kem_cls(alg)
    except Exception as exc:
        return {"error": f"{type(exc).__name__}: {getattr(exc, 'message', None) or exc}"[:300]}
    r = _basic_ops(kem_cls, alg) if basic else {}
    _seeded_ops(kem_cls, alg, task, r)
    return r


def _decaps(oqs: Any, item: dict[str, Any]) -> dict[str, Any]:
    """Decapsulate a given ciphertext with a given secret key (second pass, known-answer tests)."""
    def go() -> Any:
        kem = oqs.KeyEncapsulation(item["alg"], secret_key=bytes.fromhex(item["sk"]))
        return kem.decap_secret(bytes.fromhex(item["ct"]))

    return _op(go)


def _foreign(where: Any) -> str:
    """What the imported `oqs` is, when it is not liboqs-python: its distribution and version, if any."""
    owner = "no installed distribution"
    with contextlib.suppress(Exception):  # an old interpreter or broken metadata: say what is known
        import importlib.metadata as md

        names = md.packages_distributions().get("oqs") or []
        if names:
            owner = ", ".join(f"distribution {n} {md.version(n)}" for n in names)
    return f"the `oqs` this interpreter imports is not liboqs-python ({owner} at {where})"


def run(req: dict[str, Any]) -> dict[str, Any]:
    """Answer one request (see the module docstring)."""
    search = search_liboqs(load=False)  # loading it here would make any module look backed by liboqs
    info: dict[str, Any] = {"library_search": search["searched"], "library_found": search["found"]}
    spec = importlib.util.find_spec("oqs")
    if spec is None:
        return {"status": "no-module", **info}
    info.update(_module_facts(spec))
    if search["found"] is None and info["module_installs_liboqs"]:
        return {"status": "no-library", **info}
    sys.addaudithook(_guard)
    sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(sink):
            oqs = importlib.import_module("oqs")
    except BaseException as exc:
        return {"status": "import-failed", "error": f"{type(exc).__name__}: {exc}"[:500],
                "import_output": sink.getvalue()[-500:], **info}
    if not callable(getattr(oqs, "KeyEncapsulation", None)):  # PyPI's unrelated `oqs`, or another module
        return {"status": "foreign-module", "error": _foreign(info.get("module")), **info}
    info.update(_describe(oqs))
    tasks = req.get("tasks") or {}
    with contextlib.redirect_stdout(sink):
        basic = bool(req.get("basic", True))
        algs = {a: _run_alg(oqs, a, tasks.get(a) or {}, basic) for a in req.get("algs", [])}
        decaps = [{"id": d.get("id"), **_decaps(oqs, d)} for d in req.get("decaps") or []]
    return {"status": "ok", **info, "algorithms": algs, "decaps": decaps}


def main() -> None:
    """Read the request, run it, print the result line."""
    start = time.perf_counter()
    out: dict[str, Any] = {"protocol": PROTOCOL, "python": sys.executable,
                           "python_version": platform.python_version()}
    try:
        out.update(run(json.loads(sys.stdin.read() or "{}")))
    except Exception as exc:
        out.update({"status": "child-error", "error": f"{type(exc).__name__}: {exc}"[:500]})
    out["duration_s"] = round(time.perf_counter() - start, 4)
    stream = sys.__stdout__ or sys.stdout
    stream.write("\n" + MARKER + json.dumps(out) + "\n")
    stream.flush()


if __name__ == "__main__":
    main()
