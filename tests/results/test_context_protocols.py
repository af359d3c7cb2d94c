"""Protocol and library context (rules/context/protocols.yaml, secscan/results/protocols.py), value by value:
each context with code where it holds and a look-alike where it does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from secscan.core.model import Category, Finding, Location, Severity
from secscan.core.provenance import TaintTrace
from secscan.results import protocols

DIGEST = '''
class DigestAuth:
    def build(self, challenge):
        realm, nonce, qop = challenge["realm"], challenge["nonce"], challenge.get("qop")
        ha1 = hashlib.md5(b"user:realm:pw").hexdigest()
        return "Digest " + ha1
'''
MD5_PASSWORD = '''
def register(password):
    hashed = hashlib.md5(password.encode()).hexdigest()
    save(hashed)
'''
NOT_FOR_SECURITY = '''
def cache_key(data):
    return hashlib.md5(data, usedforsecurity=False).hexdigest()
'''
HMAC = '''
def _sha1(s=b""):
    return hashlib.sha1(s)


class Signer:
    digest_method = staticmethod(_sha1)
    key_derivation = "hmac"
'''
STARTUP = '''
    startup = os.environ.get("PYTHONSTARTUP")
    if startup and os.path.isfile(startup):
        with open(startup) as f:
            eval(compile(f.read(), startup, "exec"), ctx)
'''
EVAL_INPUT = '''
def run(expr):
    return eval(expr)
'''
VERIFY_OPTION = '''
def make_context(verify=True, cert=None):
    if verify is True:
        ctx = ssl.create_default_context()
    elif verify is False:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
    return ctx
'''
VERIFY_ELSE = '''
def configure(context, cert_reqs=None):
    if cert_reqs == ssl.CERT_REQUIRED:
        context.check_hostname = True
    else:
        context.check_hostname = False
'''
VERIFY_MULTILINE = '''
def connect(sock, assert_hostname=None, assert_fingerprint=None):
    if (
        assert_fingerprint
        or assert_hostname
    ):
        context.check_hostname = False
'''
VERIFY_ALWAYS_OFF = '''
def fetch(url, verify=True):
    if url.startswith("https"):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
'''
VERIFY_GLOBAL = '''
if DEBUG:
    ctx.check_hostname = False
'''


def line_of(text: str, needle: str) -> int:
    return next(i for i, ln in enumerate(text.splitlines(), 1) if needle in ln)


CASES = [
    ("B324", DIGEST, "hashlib.md5", "http-digest"),
    ("secscan.python.weak-hash-md5", DIGEST, "hashlib.md5", "http-digest"),
    ("B324", MD5_PASSWORD, "hashlib.md5", None),
    ("B324", NOT_FOR_SECURITY, "hashlib.md5", "not-for-security"),
    ("B324", HMAC, "hashlib.sha1", "hmac-digest"),
    ("secscan.python.eval-injection", STARTUP, "eval(", "python-startup-file"),
    ("B307", STARTUP, "eval(", "python-startup-file"),
    ("secscan.python.eval-injection", EVAL_INPUT, "eval(", None),
    ("secscan.python.ssl-check-hostname-false", VERIFY_OPTION, "check_hostname", "tls-verify-option"),
    ("secscan.python.ssl-check-hostname-false", VERIFY_ELSE, "= False", "tls-verify-option"),
    ("secscan.python.ssl-check-hostname-false", VERIFY_MULTILINE, "check_hostname", "tls-verify-option"),
    ("secscan.python.ssl-check-hostname-false", VERIFY_ALWAYS_OFF, "check_hostname", None),
    ("secscan.python.ssl-check-hostname-false", VERIFY_GLOBAL, "check_hostname", None),
    ("B501", VERIFY_OPTION, "check_hostname", "tls-verify-option"),
    ("B602", VERIFY_OPTION, "check_hostname", None),  # not a rule of the table
]


def finding(rule: str, line: int, severity: Severity = Severity.HIGH, **props: object) -> Finding:
    return Finding(rule, "t", "m", severity, "HIGH", Category.SAST, ("bandit",),
                   Location("mod.py", line, line),
                   fingerprint="a" * 32, properties=props)


@pytest.mark.parametrize(("rule", "code", "needle", "want"), CASES)
def test_contexts_value_by_value(tmp_path: Path, rule: str, code: str, needle: str, want: str | None) -> None:
    (tmp_path / "mod.py").write_text(code)
    (f,) = protocols.apply([finding(rule, line_of(code, needle))], tmp_path)
    if want is None:
        assert f.severity is Severity.HIGH and "context_rule" not in f.properties
    else:
        assert f.properties["context_rule"] == want
        assert f.severity is Severity.LOW and f.properties["severity_context_from"] == "high"
        assert f.properties["context_reason"]


def test_the_reason_names_the_parameter(tmp_path: Path) -> None:
    (tmp_path / "mod.py").write_text(VERIFY_ELSE)
    (f,) = protocols.apply([finding("B501", line_of(VERIFY_ELSE, "= False"))], tmp_path)
    assert "cert_reqs option" in f.properties["context_reason"]


def test_a_traced_flow_is_never_lowered(tmp_path: Path) -> None:
    (tmp_path / "mod.py").write_text(STARTUP)
    untraced = finding("secscan.python.eval-injection", line_of(STARTUP, "eval("))
    assert protocols.apply([untraced], tmp_path) != [untraced]  # the same hit without a trace is lowered
    f = untraced.with_(taint=TaintTrace(2, "src = os.environ['PYTHONSTARTUP']", line_of(STARTUP, "eval(")))
    assert protocols.apply([f], tmp_path) == [f]


def test_only_lowers(tmp_path: Path) -> None:
    (tmp_path / "mod.py").write_text(DIGEST)
    f = finding("B324", line_of(DIGEST, "hashlib.md5"), Severity.LOW)
    assert protocols.apply([f], tmp_path) == [f]


def test_missing_file_or_line_leaves_the_finding(tmp_path: Path) -> None:
    f = finding("B324", 3)
    assert protocols.apply([f], tmp_path) == [f]
    (tmp_path / "mod.py").write_text("x = 1\n")
    g = finding("B324", 40)
    assert protocols.apply([g], tmp_path) == [g]


@pytest.mark.parametrize(("code", "want"), [
    ("def f(a, b=1, *args, verify: bool = True, **kw):\n    x = 1\n", {"a", "b", "args", "verify", "kw"}),
    ("def f(\n    self,\n    cert_reqs=None,  # comment (\n):\n    x = 1\n", {"self", "cert_reqs"}),
    ("x = 1\n", set()),
])
def test_parameters(code: str, want: set[str]) -> None:
    lines = code.splitlines()
    assert protocols.parameters(lines, len(lines) - 1) == want
