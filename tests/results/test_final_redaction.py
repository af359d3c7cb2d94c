"""The last redaction pass: a secret found by any detector never reaches a report through another
finding's text (a SAST fix, a snippet, a remediation), and SAST code stays readable otherwise."""

from __future__ import annotations

import json
import random
import shutil
import string
from pathlib import Path

import pytest

from secscan.cli.main import main
from secscan.core.model import Category, Finding, Location, ScannerResult, Severity, Status
from secscan.results.redact import final_pass, secret_values

FIX_RULE = """\
rules:
- id: test.verify-false
  languages: [python]
  severity: WARNING
  message: TLS verification disabled
  pattern: requests.get($U, verify=False, headers=$H)
  fix: requests.get($U, verify=True, headers=$H)
"""
TOOLS = ("bandit", "semgrep", "detect-secrets")


def _value(seed: int) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(string.ascii_letters + string.digits + "+/") for _ in range(40))


def _secret(path: str, value: str, line: int = 1) -> Finding:
    import hashlib

    return Finding("detect-secrets.Base64HighEntropyString", "High entropy", "masked", Severity.HIGH, "high",
                   Category.SECRET, ("detect-secrets",), Location(path, line, line),
                   secret_hash=hashlib.sha1(value.encode()).hexdigest())


def test_values_are_recovered_by_hash_and_masked_everywhere(tmp_path: Path) -> None:
    value = _value(1)
    (tmp_path / "a.py").write_text(f'x = call(url, headers={{"X-Key": "{value}"}})\n')
    (tmp_path / "b.env").write_text(f"DATABASE_URL=postgres://admin:{value[:20]}@db.internal:5432/app\n")
    found = [_secret("a.py", value), _secret("b.env", value[:20])]
    assert secret_values(found, tmp_path) == {value, value[:20]}
    sast = Finding("test.rule", "t", f"uses {value}", Severity.MEDIUM, "WARNING", Category.SAST, ("semgrep",),
                   Location("a.py", 1, 1), remediation=f"apply the rule's fix: call({value!r})",
                   snippet=f"x = call({value})", properties={"fix": value, "nested": [{"k": value}]})
    scanner = ScannerResult("semgrep", Status.PARTIAL, reason=f"could not parse {value}",
                            evidence={"raw": value})
    items, scanners, notes = final_pass([sast], [scanner], [f"note {value[:20]}"], {value, value[:20]})
    text = json.dumps([repr(items), repr(scanners), notes])
    assert value not in text and value[:20] not in text
    assert items[0].remediation and items[0].remediation.startswith("apply the rule's fix: call(")
    assert "********" in items[0].properties["fix"]


def test_sast_code_stays_readable() -> None:
    from secscan.results.enrich import redact_findings

    sql = Finding("B608", "hardcoded_sql_expressions", "Possible SQL injection", Severity.MEDIUM, "MEDIUM",
                  Category.SAST, ("bandit",), Location("q.py", 3, 3),
                  snippet='cur.execute("SELECT name FROM users WHERE id = %s" % uid)')
    keys = Finding("B201", "flask_debug_true", "token: cannot be empty", Severity.HIGH, "HIGH", Category.SAST,
                   ("bandit",), Location("w.py", 1, 1), snippet='user = request.form["userid"]')
    out = redact_findings([sql, keys])
    assert out[0].snippet == sql.snippet  # the query is code, not a secret
    assert out[1].snippet == keys.snippet and out[1].message == keys.message
    pw = Finding("B105", "hardcoded_password_string", "Possible hardcoded password: 'hunter2hunter2'",
                 Severity.LOW, "LOW", Category.SAST, ("bandit",), Location("s.py", 1, 1),
                 snippet='PASSWORD = "hunter2hunter2"')
    (red,) = redact_findings([pw])
    assert "hunter2hunter2" not in red.message and "hunter2hunter2" not in (red.snippet or "")


@pytest.mark.slow
def test_a_secret_on_a_sast_line_leaks_through_no_report(tmp_path: Path) -> None:
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)}")
    value = _value(2)
    app, rules, out = tmp_path / "app", tmp_path / "rules", tmp_path / "out"
    app.mkdir()
    rules.mkdir()
    (rules / "fix.yaml").write_text(FIX_RULE)
    (app / "client.py").write_text(
        "import requests\n\n\ndef fetch(url):\n"
        f'    return requests.get(url, verify=False, headers={{"X-Api-Key": "{value}"}})\n')
    code = main(["all", str(app), "--offline", "--no-cache", "--semgrep-rules", str(rules), "--quiet",
                 "--format", "json,md,html,sarif,gitlab", "--output-dir", str(out), "--fail-on", "never",
                 "--allow-incomplete"])
    assert code == 0
    report = json.loads((out / "secscan.json").read_text())
    fixes = [f for f in report["findings"] if f["rule_id"] == "test.verify-false"]
    assert fixes and "verify=True" in (fixes[0]["remediation"] or "")  # the fix text is still there...
    assert any(f["category"] == "secret" for f in report["findings"])
    for path in out.rglob("*"):
        if path.is_file():
            assert value not in path.read_text("utf-8", "replace"), path  # ...but never the secret


def _fix_tree(tmp_path: Path, value: str) -> tuple[Path, Path]:
    app, rules = tmp_path / "app", tmp_path / "rules"
    app.mkdir()
    rules.mkdir()
    (rules / "fix.yaml").write_text(FIX_RULE + CANARY_RULE)
    (app / "client.py").write_text(
        "import requests\n\n\ndef fetch(url):\n"
        f'    return requests.get(url, verify=False, headers={{"X-Api-Key": "{value}"}})\n')
    return app, rules


CANARY_RULE = """\
- id: test.pickle-loads
  languages: [python]
  severity: WARNING
  message: pickle.loads on untrusted data (the canary's line 11)
  pattern: pickle.loads(...)
"""


@pytest.mark.slow
def test_no_raw_secret_reaches_the_cache(tmp_path: Path) -> None:
    """semgrep's fix text holds a token only detect-secrets knows as a secret: the cache is written after
    the run's secret values are known, cleaned like the reports; a run answered from it is the same."""
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)}")
    value = _value(3)
    app, rules = _fix_tree(tmp_path, value)
    with (app / "client.py").open("a") as fh:  # bandit's own snippet of this line holds the value
        fh.write(f'\n\ndef post(url):\n    return requests.post(url, verify=False, data="{value}")\n')
    cache = tmp_path / "cache"
    docs = []
    for run in ("fresh", "cached"):
        out = tmp_path / run
        code = main(["all", str(app), "--offline", "--scanners", ",".join(TOOLS), "--cache-dir",
                     str(cache), "--semgrep-rules", str(rules), "--quiet", "--format", "json",
                     "--output-dir", str(out), "--fail-on", "never"])
        assert code == 0
        docs.append(json.loads((out / "secscan.json").read_text()))
        files = [p for p in cache.rglob("*") if p.is_file()]
        assert files and not [p for p in files if value.encode() in p.read_bytes()], run
    fresh, cached = docs
    fix = next(f for f in fresh["findings"] if f["rule_id"] == "test.verify-false")
    assert "verify=True" in fix["properties"]["fix"] and "********" in fix["properties"]["fix"]
    assert all(s["coverage"].get("files_from_cache") == 1 for s in cached["scanners"]), cached["scanners"]
    def ids(doc: dict) -> list[tuple[str, int, str, str | None]]:  # a cached run keeps every fingerprint
        return sorted((f["rule_id"], f["location"]["start_line"], f["fingerprint"], f["snippet"])
                      for f in doc["findings"])

    assert ids(cached) == ids(fresh) and any(i[0] == "B501" and i[1] == 9 for i in ids(fresh))


def test_paths_and_short_words_are_never_value_masked() -> None:
    """Found on secscan's own tree: a 6-character value ("secret") masked in every path made the path
    suppressions of rules/secrets/patterns.yaml stale and failed the gate."""
    from secscan.results.redact import Redactor

    f = Finding("secscan.openssh-private-key", "OpenSSH private key", "in rules/secrets/patterns.yaml",
                Severity.CRITICAL, "critical", Category.SECRET, ("secscan-secrets",),
                Location("rules/secrets/k1x9Qz7wLm2p/patterns.yaml", 3, 3))
    out = Redactor({"secret", "k1x9Qz7wLm2p"}).finding(f)
    assert out.location is not None and out.location.path == "rules/secrets/k1x9Qz7wLm2p/patterns.yaml"
    assert out.message == "in rules/secrets/patterns.yaml"  # "secret" is a word, not a value worth masking
    assert Redactor({"k1x9Qz7wLm2p"}).text("token k1x9Qz7wLm2p here") != "token k1x9Qz7wLm2p here"
