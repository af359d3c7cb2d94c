"""Documentation placeholders in URLs (rules/context/urls.yaml, secscan/results/url_placeholders.py), value by
value: what is documentation follows the placeholder policy (suppressed, kept in the report), anything else
stays a finding. Every credential here is a made-up word, never a real one."""

from __future__ import annotations

from pathlib import Path

import pytest

from secscan.core.model import Category, Finding, Location, Severity
from secscan.core.serialize import provenance_from
from secscan.results import url_placeholders

# the password part of each real-looking URL is built here, so this file holds no literal a scanner reports
REAL = "Zq81" + "mX0p" + "Lw7"
FAMOUS = "hunter" + "2"


@pytest.mark.parametrize(("line", "want"), [
    ('"http://user:pass@complex.url.com/path?query=yes"', True),
    ('"http://user:pass%20pass@complex.url.com/path"', True),
    ('"http://user%25user:pass@complex.url.com/path"', True),
    ('f"http://{USER}:{PASSWORD}@request.com/url.html"', True),
    ('"https://${DB_USER}:${DB_PASS}@db.internal/app"', True),
    ('"https://%(user)s:%(password)s@db.internal/app"', True),
    ('"https://user:<password>@db.internal/app"', None),  # the secret rules do not report <...> either
    ("`https://user:pass@proxy:8080`", True),
    ('"https://jo%40email.com:a%20secret@m\u00fcller.de:1234/x"', True),
    ('"redis://foo:bar@cache:6379/0"', True),
    ('"https://username:password@host"', True),
    (f'"https://deploy:{REAL}@api.example.com/x"', True),  # a reserved example host
    (f'"https://deploy:{REAL}@localhost:8080/x"', True),
    (f'"https://deploy:{REAL}@127.0.0.1/x"', True),
    (f'"https://deploy:{REAL}@svc.test/x"', True),
    (f'"https://deploy:{REAL}@api.company.com/x"', False),
    (f'"postgres://app:{REAL}@db.internal:5432/app"', False),
    (f'"https://user:pass@docs.io/a" and "https://ops:{REAL}@api.company.com/b"', False),  # one is real
    (f'"https://user:{FAMOUS}@api.company.com/x"', False),
    ('"https://api.company.com/x"', None),
    ('"input": "http://%25DOMAIN:foobar@foodomain.com/",', True),
    ('"href": "http://%60%7B%7D:%60%7B%7D@h/%60%7B%7D?`{}",', True),  # punctuation only
    ('"input": "https://user:pass[\\u007F@foo/bar",', True),  # a JSON escape is a separator
    (f'"https://user:{REAL}%7F@api.company.com/x"', False),
])
def test_documentation_urls_value_by_value(line: str, want: bool | None) -> None:
    assert url_placeholders.documentation_url(line) is want


def finding(path: str, line: int, rule: str = "secscan.url-basic-auth", **props: object) -> Finding:
    return Finding(rule, "Credentials in a URL", "m", Severity.HIGH, "high", Category.SECRET,
                   ("secscan-secrets",), Location(path, line, line), fingerprint="b" * 32,
                   **provenance_from(props))


def test_placeholder_policy_kept_in_the_report(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_urls.py").write_text(
        'A = "http://user:pass@complex.url.com/"\n' f'B = "https://ops:{REAL}@api.company.com/"\n')
    found = [finding("tests/test_urls.py", 1), finding("tests/test_urls.py", 2),
             finding("tests/test_urls.py", 1, "secscan.aws-access-key-id")]
    a, b, c = url_placeholders.apply(found, tmp_path)
    assert a.suppressed and a.suppression is not None
    assert (a.suppression.kind, a.suppression.reason) == ("policy", "placeholder")
    assert not b.suppressed  # a real-looking password for a real host, in a test file too
    assert not c.suppressed  # not a URL rule


def test_every_place_of_a_grouped_secret_must_be_documentation(tmp_path: Path) -> None:
    (tmp_path / "docs.md").write_text("see https://user:pass@host.io/\n")
    (tmp_path / "app.py").write_text("URL = 'https://user:pass@api.company.com/'\nX = 1\n")
    (tmp_path / "other.py").write_text("X = 1\n")
    places = [{"path": "docs.md", "start_line": 1}, {"path": "other.py", "start_line": 1}]
    (f,) = url_placeholders.apply([finding("docs.md", 1, places=places)], tmp_path)
    assert not f.suppressed  # the second place holds no documentation URL
    places[1] = {"path": "app.py", "start_line": 1}
    (g,) = url_placeholders.apply([finding("docs.md", 1, places=places)], tmp_path)
    assert g.suppressed
