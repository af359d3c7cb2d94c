"""One finding per secret value: grouped across files and across commits, every place listed (JSON, SARIF
relatedLocations, Markdown/HTML "also at N other places"), counted once by the gate, a fingerprint that does
not move when a place is added or removed. Fake secrets are generated (tests/support/secret_samples.py)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from secret_samples import positive_samples

import secscan
from secscan.core.model import Category, Finding, Location, Severity
from secscan.core.provenance import MergedSource
from secscan.core.serialize import properties_to_dict as report_props
from secscan.core.serialize import provenance_from
from secscan.formats.markdown import render_markdown
from secscan.formats.places import places_text
from secscan.formats.sarif import SarifFormat
from secscan.results.changes import Changes
from secscan.results.secret_groups import group, place_fingerprints
from secscan.results.triage import Rule

GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false"]


def _aws(n: int = 0) -> tuple[str, str]:
    """(a line holding a generated AWS key id, the value)."""
    s = next(s for s in positive_samples(20240 + n) if s.pattern == "aws-access-key-id")
    return s.line + "\n", s.value


def secret(path: str, line: int, value_hash: str, sev: Severity = Severity.HIGH,
           source: str = "secscan-secrets", fp: str = "") -> Finding:
    return Finding("secscan.aws-access-key-id", "AWS access key id", "m", sev, sev.label, Category.SECRET,
                   (source,), Location(path, line, line), secret_hash=value_hash, secret_mask="AKIA****",
                   fingerprint=fp or f"fp-{path}-{line}")


def test_same_value_in_three_files_is_one_finding_with_every_place() -> None:
    code = Finding("B602", "shell", "m", Severity.HIGH, "HIGH", Category.SAST, ("bandit",),
                   Location("a.py", 3))
    found = [secret("b.ini", 2, "h1"), code, secret("a.py", 9, "h1", Severity.CRITICAL, "detect-secrets"),
             secret("c.env", 1, "h1"), secret("a.py", 1, "h2")]
    out = group(found)
    assert len(out) == 3 and out[1] is code
    one = out[0]
    assert one.location.path == "a.py" and one.severity is Severity.CRITICAL  # type: ignore[union-attr]
    assert set(one.sources) == {"secscan-secrets", "detect-secrets"}
    assert [(p["path"], p["start_line"]) for p in report_props(one)["places"]] == [("a.py", 9), ("b.ini", 2),
                                                                                ("c.env", 1)]
    assert report_props(one)["place_count"] == 3 and one.fingerprint == "fp-a.py-9"  # the first place's
    assert place_fingerprints(one) == ["fp-a.py-9", "fp-b.ini-2", "fp-c.env-1"]
    assert places_text(one) == "also at 2 other places: b.ini:2, c.env:1"
    assert out[2].fingerprint == "fp-a.py-1" and places_text(out[2]) is None  # a lone secret keeps its id


def test_an_accepted_secret_stays_accepted_when_a_place_is_added_or_removed() -> None:
    two = group([secret("b.py", 5, "h"), secret("c.py", 1, "h")])[0]
    accepted = [Rule("baseline", "known", fingerprint=fp) for fp in place_fingerprints(two)]
    more = group([secret("a.py", 1, "h"), secret("b.py", 5, "h"), secret("c.py", 1, "h")])[0]  # one added
    fewer = group([secret("c.py", 1, "h")])[0]  # one removed (the first place)
    assert two.fingerprint == "fp-b.py-5" and more.fingerprint == "fp-a.py-1"  # the first place's id
    for f in (two, more, fewer):
        assert any(r.matches(f) for r in accepted), f
    assert not any(r.matches(secret("c.py", 1, "other")) for r in accepted[:1])


def test_a_history_finding_joins_the_working_tree_finding_of_the_same_value() -> None:
    hist = secret("old/a.py", 3, "h", source="secscan-history").with_(**provenance_from({
        "history": {"first_commit": "c1" * 20, "present_at_head": True},
        "places": [{"path": "old/a.py", "start_line": 3, "end_line": 3, "commit": "c1" * 20},
                   {"path": "a.py", "start_line": 3, "end_line": 3, "commit": "c2" * 20}],
        "place_count": 2}))
    [one] = group([hist, secret("a.py", 3, "h")])
    assert one.location.path == "a.py"  # type: ignore[union-attr]
    assert report_props(one)["history"]["first_commit"] == "c1" * 20
    assert {p["path"] for p in report_props(one)["places"]} == {"a.py", "old/a.py"}
    assert "commit c1c1c1c1c1c1" in (places_text(one) or "")


def test_changed_since_counts_a_grouped_secret_when_any_place_is_in_the_change() -> None:
    [one] = group([secret("old.py", 1, "h"), secret("new.py", 4, "h")])
    assert Changes(lines={"new.py": {4}}).touches(one)
    assert not Changes(lines={"other.py": None}).touches(one)


def _repo(root: Path) -> str:
    root.mkdir()
    line, value = _aws()
    for name in ("app.py", "deploy.ini", "conf/settings.py"):
        (root / name).parent.mkdir(exist_ok=True)
        (root / name).write_text("x = 1\n" + line, "utf-8")
    (root / "old.cfg").write_text(line, "utf-8")
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "one"], ["rm", "-q", "old.cfg"],
                 ["commit", "-q", "-m", "two"]):
        subprocess.run([*GIT, *args], cwd=root, check=True, capture_output=True)
    return value


@pytest.mark.skipif(subprocess.run(["git", "--version"], capture_output=True).returncode != 0,
                    reason="[shared] git is not installed")
def test_a_scan_groups_across_files_and_commits_and_the_gate_counts_once(tmp_path: Path) -> None:
    value = _repo(tmp_path / "r")
    report = secscan.scan(tmp_path / "r", command="secrets", scanners="secscan-secrets,secscan-history",
                          history=True, fail_on="high", use_cache=False)
    secrets = [f for f in report.result.findings if f.category is Category.SECRET]
    assert len(secrets) == 1, secrets
    one = secrets[0]
    assert {p["path"] for p in report_props(one)["places"]} == {"app.py", "deploy.ini", "conf/settings.py",
                                                             "old.cfg"}
    assert set(one.sources) == {"secscan-secrets", "secscan-history"}
    assert report.summary["counts"]["high"] == 1 and report.exit_code == 1
    text = json.dumps(report.to_dict()) + render_markdown(report.result)
    sarif = SarifFormat().render(report.result)
    text += "".join(v if isinstance(v, str) else v.decode() for v in sarif.values())
    assert value not in text  # masked everywhere
    run = json.loads(next(iter(sarif.values())))["runs"][0]
    [res] = [r for r in run["results"] if r["ruleId"] == "secscan.aws-access-key-id"]
    assert len(res["relatedLocations"]) == 3
    assert "also at 3 other places" in render_markdown(report.result)


def test_private_keys_of_one_kind_are_never_one_secret_by_their_header_hash() -> None:
    """detect-secrets hashes a private key's BEGIN line: two different keys share that hash."""
    from dataclasses import replace

    header = "75cc1262fcb867f147caabda1f47df144c5ba171"  # sha1 of '-----BEGIN RSA PRIVATE KEY-----'
    rule = "detect-secrets.PrivateKeyDetector"
    keys = [replace(secret(p, 1, header, source="detect-secrets"), rule_id=rule)
            for p in ("tests/certs/a.key", "tests/certs/b.key")]
    from_ds = MergedSource("detect-secrets", "detect-secrets.PrivateKeyDetector", "high")
    merged_key = replace(secret("c.key", 1, header), rule_id="secscan.aws-access-key-id",
                         merged_from=(from_ds,))
    out = group([*keys, merged_key])
    assert [f.location.path for f in out] == ["tests/certs/a.key", "tests/certs/b.key", "c.key"]  # type: ignore[union-attr]
    assert all(report_props(f)["place_count"] == 1 for f in out)
    # the same key at one place reported by two tools is still one finding
    twice = group([keys[0], replace(keys[0], sources=("secscan-secrets",))])
    assert len(twice) == 1 and set(twice[0].sources) == {"detect-secrets", "secscan-secrets"}
