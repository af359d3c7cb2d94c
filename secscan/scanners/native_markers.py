"""The tools' own inline suppression markers, read the way each tool reads them.

bandit runs with ``--ignore-nosec`` and semgrep with ``--disable-nosem``, so a finding on a ``# nosec`` or
``# nosemgrep`` line is reported; each such finding is marked here (``Finding.native_marker``) with
the marker that the tool would have honoured, and triage turns it into a visible suppression "inline marker
without reason" (``results/triage.py``) that a change cannot add unnoticed (``results/changes.py``).

bandit (1.9): a ``# nosec`` comment token (``#\\s*nosec:?`` then optional test ids or names) on the issue's
line or the first such comment in the node's line range; with test ids or names only those tests are
skipped, with none (or only unknown words) every test. semgrep (1.x): `` nosem`` / `` nosemgrep``
(any case, after a space) anywhere on the match's first line, or alone (no letter or digit before it) on the
line above; with ``:`` or ``=`` and rule ids only those rules (a rule id matches its dot-separated suffixes).
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from secscan.core.model import Finding
from secscan.core.provenance import NativeMarker

BANDIT = "# nosec"
SEMGREP = "# nosemgrep"
MAX_BYTES = 5_000_000

_NOSEC = re.compile(r"#\s*nosec:?\s*(?P<tests>[^#]+)?#?")
_NOSEC_TESTS = re.compile(r"(?:(B\d+|[a-z\d_]+),?)+", re.IGNORECASE)
_IDS = r"(?:[:=]\s?(?P<ids>[^,\s].*))?"
_NOSEM_INLINE = re.compile(r" nosem(?:grep)?" + _IDS, re.IGNORECASE)
_NOSEM_ABOVE = re.compile(r"^[^a-zA-Z0-9]* nosem(?:grep)?" + _IDS, re.IGNORECASE)

#: bandit 1.9's test names (plugins and blacklist entries) and ids, as ``# nosec NAME`` may name them.
_BANDIT_TESTS = """
assert_used=B101 exec_used=B102 set_bad_file_permissions=B103 hardcoded_bind_all_interfaces=B104
hardcoded_password_string=B105 hardcoded_password_funcarg=B106 hardcoded_password_default=B107
hardcoded_tmp_directory=B108 try_except_pass=B110 try_except_continue=B112 request_without_timeout=B113
flask_debug_true=B201 tarfile_unsafe_members=B202 pickle=B301 marshal=B302 md5=B303 ciphers=B304
cipher_modes=B305 mktemp_q=B306 eval=B307 mark_safe=B308 urllib_urlopen=B310 random=B311 telnetlib=B312
xml_bad_cElementTree=B313 xml_bad_ElementTree=B314 xml_bad_expatreader=B315 xml_bad_expatbuilder=B316
xml_bad_sax=B317 xml_bad_minidom=B318 xml_bad_pulldom=B319 ftplib=B321 unverified_context=B323
hashlib_insecure_functions=B324 import_telnetlib=B401 import_ftplib=B402 import_pickle=B403
import_subprocess=B404 import_xml_etree=B405 import_xml_sax=B406 import_xml_expat=B407
import_xml_minidom=B408 import_xml_pulldom=B409 import_xmlrpclib=B411 import_httpoxy=B412
import_pycrypto=B413 import_pyghmi=B415 request_with_no_cert_validation=B501 ssl_with_bad_version=B502
ssl_with_bad_defaults=B503 ssl_with_no_version=B504 weak_cryptographic_key=B505 yaml_load=B506
ssh_no_host_key_verification=B507 snmp_insecure_version=B508 snmp_weak_cryptography=B509
paramiko_calls=B601 subprocess_popen_with_shell_equals_true=B602 subprocess_without_shell_equals_true=B603
any_other_function_with_shell_equals_true=B604 start_process_with_a_shell=B605
start_process_with_no_shell=B606 start_process_with_partial_path=B607 hardcoded_sql_expressions=B608
linux_commands_wildcard_injection=B609 django_extra_used=B610 django_rawsql_used=B611
logging_config_insecure_listen=B612 trojansource=B613 pytorch_load=B614 huggingface_unsafe_download=B615
jinja2_autoescape_false=B701 use_of_mako_templates=B702 django_mark_safe=B703 markupsafe_markup_xss=B704
"""
BANDIT_TEST_IDS: dict[str, str] = dict(pair.split("=") for pair in _BANDIT_TESTS.split())
_KNOWN_IDS = frozenset(BANDIT_TEST_IDS.values()) | {"B001"}


def nosec_tests(comment: str) -> frozenset[str] | None:
    """The test ids a bandit comment skips: None when it is no ``# nosec``, empty when it skips every test."""
    found = _NOSEC.search(comment)
    if found is None:
        return None
    ids = set()
    for m in _NOSEC_TESTS.finditer(found["tests"] or ""):
        word = m.group(1)
        test_id = word if word in _KNOWN_IDS else BANDIT_TEST_IDS.get(word)
        if test_id:
            ids.add(test_id)
    return frozenset(ids)


def python_comments(text: str) -> dict[int, str]:
    """Line -> the comment token on it (as bandit tokenizes; a tokenizer error keeps what came before)."""
    out: dict[int, str] = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT:
                out[tok.start[0]] = tok.string
    except (tokenize.TokenError, SyntaxError):
        pass
    return out


def bandit_marker(comments: Mapping[int, str], f: Finding) -> NativeMarker | None:
    """The ``# nosec`` bandit would have honoured for this finding (its line and comment), or None."""
    loc = f.location
    if loc is None or not loc.start_line:
        return None
    end = max(loc.end_line or loc.start_line, loc.start_line)
    own = nosec_tests(comments.get(loc.start_line, ""))
    near = next(((n, t) for n in range(loc.start_line, end + 1)
                 if (t := nosec_tests(comments.get(n, ""))) is not None), None)
    if own is None and near is None:
        return None
    skipped = (own or frozenset()) | (near[1] if near else frozenset())
    if skipped and f.rule_id not in skipped:
        return None
    line = loc.start_line if own is not None else near[0] if near else loc.start_line
    return NativeMarker(BANDIT, line, comments.get(line, "").strip()[:200])


def _ids_match(ids: str | None, check_id: str) -> bool:
    if not ids:
        return True
    wanted = [i for i in re.split(r"[,\s]+", ids) if i]
    return any(check_id == i or check_id.endswith("." + i) for i in wanted)


def semgrep_marker(lines: Sequence[str], f: Finding) -> NativeMarker | None:
    """The ``# nosemgrep`` semgrep would have honoured for this finding (check_id not yet stripped)."""
    loc = f.location
    if loc is None or not loc.start_line or loc.start_line > len(lines):
        return None
    n = loc.start_line
    hit = _NOSEM_INLINE.search(lines[n - 1])
    if hit is None and n > 1:
        n -= 1
        hit = _NOSEM_ABOVE.search(lines[n - 1])
    if hit is None or not _ids_match(hit["ids"], f.rule_id):
        return None
    text = lines[n - 1]
    return NativeMarker(SEMGREP, n, text[text.find("#"):].strip()[:200] if "#" in text
                        else hit.group(0).strip())


def _read(target: Path, path: str) -> str | None:
    full = Path(path) if Path(path).is_absolute() else target / path
    try:
        if full.is_file() and full.stat().st_size <= MAX_BYTES:
            return full.read_text("utf-8", "replace")
    except OSError:
        pass
    return None


def _mark(target: Path, findings: Sequence[Finding], prepare: Callable[[str], Any],
          judge: Callable[[Any, Finding], NativeMarker | None]) -> tuple[Finding, ...]:
    """The findings with ``native_marker`` set where the tool's marker applies (each file read
    and prepared once)."""
    prepared: dict[str, Any] = {}
    out = []
    for f in findings:
        path = f.location.path if f.location else None
        if path and path not in prepared:
            text = _read(target, path)
            prepared[path] = prepare(text) if text is not None else None
        data = prepared.get(path) if path else None
        found = judge(data, f) if data is not None else None
        out.append(f.with_(native_marker=found) if found else f)
    return tuple(out)


def mark_bandit(target: Path, findings: Sequence[Finding]) -> tuple[Finding, ...]:
    """bandit's findings (run with --ignore-nosec), each marked when a ``# nosec`` would have dropped it."""
    return _mark(target, findings, python_comments, bandit_marker)


def mark_semgrep(target: Path, findings: Sequence[Finding]) -> tuple[Finding, ...]:
    """semgrep's findings (run with --disable-nosem), each marked when a ``# nosemgrep`` would have dropped
    it (or semgrep's JSON says ``is_ignored``)."""
    def judge(lines: list[str], f: Finding) -> NativeMarker | None:
        found = semgrep_marker(lines, f)
        if found is None and f.properties.get("is_ignored") is True and f.location is not None:
            found = NativeMarker(SEMGREP, f.location.start_line or 0, "is_ignored")
        return found

    return _mark(target, findings, str.splitlines, judge)
