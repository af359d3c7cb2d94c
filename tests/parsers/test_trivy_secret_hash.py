"""A Trivy secret finding gets the hash of its secret, read from the scanned file at Trivy's masked span
(results/trivy_secrets.py), and merges with the other sources' finding of the same secret; when the file is
not here or differs, the finding says why and has no hash. With the real Trivy samples (newer output with
Offset; DefectDojo's older output with ``*****``) on trees this test writes with generated values, and with
Trivy-format JSON written here for a tree it creates (masked the way Trivy's secret scanner masks)."""

from __future__ import annotations

import hashlib
import json
import random
import string
from pathlib import Path
from typing import Any

import pytest
from token_checksums import crc_token

from secscan.analyzers.secrets import scan_paths
from secscan.parsers import trivy
from secscan.results import secret_checks
from secscan.results import trivy_secrets as ts
from secscan.results.dedup import merge
from secscan.results.secret_groups import group

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples" / "trivy"
RNG = random.Random(9)
UPPER32 = string.ascii_uppercase + "234567"


def sha1(value: str) -> str:
    return hashlib.sha1(value.encode()).hexdigest()


def sample(name: str) -> str:
    path = SAMPLES / name
    if not path.exists():
        pytest.skip(f"[shared] Trivy sample {name} not present")
    return path.read_text("utf-8")


def aws_key() -> str:
    return "AKIA" + "".join(RNG.choice(UPPER32) for _ in range(16))


def golden_tree(root: Path) -> tuple[str, str]:
    """deploy.sh laid out as in Trivy's secrets golden file (same lines, lengths and offsets), with
    generated values; returns (the AWS key id, the custom rule's 8-character secret)."""
    key, custom, gh = aws_key(), "".join(RNG.choice(string.ascii_letters) for _ in range(8)), \
        crc_token("ghp_", RNG)
    lines = ["#!/bin/sh", "", f"export AWS_ACCESS_KEY_ID={key}", "", f"export GITHUB_PAT={gh}", "",
             f"echo {custom}", ""]
    (root / "deploy.sh").write_text("\n".join(lines))
    return key, custom


def test_the_real_sample_gets_hashes_from_the_tree_and_merges_with_the_own_engine(tmp_path: Path) -> None:
    parsed = trivy.parse(sample("trivyrepo__secrets.json.golden"))
    key, custom = golden_tree(tmp_path)
    shapes = [f.properties["trivy_mask"] for f in parsed.findings]
    assert [s["offset"] for s in shapes] == [36, 123] and all(len(s["sha256"]) == 64 for s in shapes)
    out = ts.attach(parsed.findings, tmp_path)
    assert [f.secret_hash for f in out] == [sha1(key), sha1(custom)]
    assert all("trivy_mask" not in f.properties and f.properties[ts.FROM_FILE] for f in out)
    assert key not in json.dumps([f.properties for f in out]) and out[0].secret_mask == key[:4] + "*" * 8 + \
        key[-2:] + " (20 chars)"
    own = scan_paths(tmp_path, ["deploy.sh"]).findings
    aws = [f for f in group(merge([*out, *own])) if f.secret_hash == sha1(key)]
    assert len(aws) == 1 and set(aws[0].sources) == {"trivy", "secscan-secrets"}


def test_the_real_sample_without_its_tree_says_why_it_has_no_hash(tmp_path: Path) -> None:
    out = ts.attach(trivy.parse(sample("trivyrepo__secrets.json.golden")).findings, tmp_path)
    assert all(f.secret_hash is None for f in out)
    assert {f.properties[ts.UNAVAILABLE] for f in out} == {ts.NOT_HERE}
    (tmp_path / "deploy.sh").write_text("#!/bin/sh\n\nexport AWS_ACCESS_KEY_ID=" + aws_key()[:-1] + "\n")
    changed = ts.attach(trivy.parse(sample("trivyrepo__secrets.json.golden")).findings, tmp_path)
    assert changed[0].secret_hash is None and changed[0].properties[ts.UNAVAILABLE] == ts.CHANGED


def test_older_trivy_output_without_offset(tmp_path: Path) -> None:
    """DefectDojo's sample: ``ENV GITHUB_PAT=*****`` at Dockerfile:24, ``GITHUB_PAT=*****`` in secret.txt."""
    parsed = trivy.parse(sample("defectdojo__misconfigurations_and_secrets.json"))
    secrets = [f for f in parsed.findings if f.rule_id == "trivy.github-pat"]
    assert [f.properties["trivy_mask"]["offset"] for f in secrets] == [None, None]
    a, b = crc_token("ghp_", RNG), crc_token("ghp_", RNG)
    steps = "".join(f"RUN step {i}\n" for i in range(23))
    (tmp_path / "Dockerfile").write_text(steps + f"ENV GITHUB_PAT={a}\n")
    (tmp_path / "secret.txt").write_text(f"GITHUB_PAT={b}\n")
    out = ts.attach(secrets, tmp_path)
    assert [f.secret_hash for f in out] == [sha1(a), sha1(b)]


def censor_like_trivy(content: bytes, spans: list[tuple[int, int]]) -> list[dict[str, Any]]:
    """Trivy's secret scanner, as documented by its output: every secret's bytes become '*'; each finding's
    Match is its line of the censored text (for a line over 100 bytes: 30 bytes before, 20 after)."""
    censored = bytearray(content)
    for s, e in spans:
        censored[s:e] = b"*" * (e - s)
    out = []
    for s, e in spans:
        ls = content.rfind(b"\n", 0, s) + 1
        le = content.find(b"\n", s)
        le = len(content) if le < 0 else le
        if le - ls > 100:
            ls, le = max(0, s - 30), min(len(content), e + 20)
        line = content.count(b"\n", 0, s) + 1
        out.append({"RuleID": "custom", "Category": "Custom", "Severity": "HIGH", "Title": "t",
                    "StartLine": line, "EndLine": line + content.count(b"\n", s, e),
                    "Match": censored[ls:le].decode(), "Offset": s})
    return out


def report(target: str, secrets: list[dict[str, Any]]) -> str:
    return json.dumps({"SchemaVersion": 2, "ArtifactName": ".", "ArtifactType": "filesystem",
                       "Results": [{"Target": target, "Class": "secret", "Secrets": secrets}]})


def test_a_trivy_report_written_here_for_a_tree_made_here(tmp_path: Path) -> None:
    k1, k2, gh = aws_key(), aws_key(), crc_token("ghp_", RNG)
    long_line = "# " + "x" * 120 + f" token={gh} and more text after it\n"
    text = f"A={k1} B={k2}\n{long_line}key:\n  multi\n  line\n"
    data = text.encode()
    spans = [(data.index(k1.encode()), data.index(k1.encode()) + 20),
             (data.index(k2.encode()), data.index(k2.encode()) + 20),
             (data.index(gh.encode()), data.index(gh.encode()) + 40),
             (data.index(b"multi"), data.index(b"line\n", data.index(b"multi")) + 4)]
    (tmp_path / "app.env").write_text(text)
    parsed = trivy.parse(report("app.env", censor_like_trivy(data, spans)))
    out = secret_checks.prepare(parsed.findings, tmp_path)
    assert [f.secret_hash for f in out[:3]] == [sha1(k1), sha1(k2), sha1(gh)]  # two on a line, a long line
    assert out[3].secret_hash is None and "multi-line" in out[3].properties[ts.UNAVAILABLE]
    own = scan_paths(tmp_path, ["app.env"]).findings
    merged = group(merge([*out, *own]))
    for value in (k1, k2, gh):
        one = [f for f in merged if f.secret_hash == sha1(value)]
        assert len(one) == 1 and {"trivy", "secscan-secrets"} <= set(one[0].sources), value


def test_overlapping_masks_and_images_get_no_hash(tmp_path: Path) -> None:
    key = aws_key()
    text = f"K={key}\n"
    (tmp_path / "a.env").write_text(text)
    s = text.index(key)
    both = censor_like_trivy(text.encode(), [(s, s + 20), (s + 4, s + 20)])  # a second rule inside the first
    out = ts.attach(trivy.parse(report("a.env", both)).findings, tmp_path)
    assert out[0].secret_hash is None and "another Trivy secret" in out[0].properties[ts.UNAVAILABLE]
    image = json.dumps({"SchemaVersion": 2, "ArtifactName": "app:1", "ArtifactType": "container_image",
                        "Results": [{"Target": "/app/a.env", "Class": "secret",
                                     "Secrets": censor_like_trivy(text.encode(), [(s, s + 20)])}]})
    img = ts.attach(trivy.parse(image).findings, tmp_path)
    assert img[0].secret_hash is None and "container image" in img[0].properties[ts.UNAVAILABLE]


def test_attach_is_idempotent_and_leaves_other_findings(tmp_path: Path) -> None:
    parsed = trivy.parse(sample("trivyrepo__secrets.json.golden"))
    golden_tree(tmp_path)
    own = scan_paths(tmp_path, ["deploy.sh"]).findings
    once = ts.attach([*parsed.findings, *own], tmp_path)
    assert ts.attach(once, tmp_path) == once
    assert once[len(parsed.findings):] == own  # other sources' findings are left as they are


@pytest.mark.parametrize("offset", ["36", -1, True, 2.5, None])
def test_an_odd_offset_never_fails_the_report(offset: Any) -> None:
    secret = {"RuleID": "r", "Severity": "HIGH", "StartLine": 1, "EndLine": 1, "Match": "K=****",
              "Offset": offset}
    f = trivy.parse(report("a.env", [secret])).findings[0]
    assert f.properties["trivy_mask"]["offset"] is None and f.secret_hash is None
    shape = f.properties["trivy_mask"]
    assert shape["runs"] == [[2, 4]] and shape["bytes"] == 6 and "K=" not in json.dumps(shape)


def test_a_scan_with_an_imported_trivy_report_has_one_finding_per_secret(tmp_path: Path) -> None:
    """End to end (secscan.scan with --import trivy=FILE): one value Trivy reports in two files (a custom
    rule the own engine has no pattern for) is one finding with both places, because its hash is read from
    the tree before findings are merged and grouped (results/finish)."""
    import secscan

    value = "".join(RNG.choice(string.ascii_letters + string.digits) for _ in range(24))
    tree = tmp_path / "tree"
    tree.mkdir()
    hits = []
    for name in ("a.cfg", "b.cfg"):
        text = f"token: {value}\n"
        (tree / name).write_text(text)
        data = text.encode()
        at = data.index(value.encode())
        hits.append({"Target": name, "Class": "secret",
                     "Secrets": censor_like_trivy(data, [(at, at + len(value))])})
    doc = {"SchemaVersion": 2, "ArtifactName": ".", "ArtifactType": "filesystem", "Results": hits}
    (tmp_path / "trivy.json").write_text(json.dumps(doc))
    rep = secscan.scan(tree, command="secrets", scanners="secscan-secrets",
                       imports=[f"trivy={tmp_path / 'trivy.json'}"], use_cache=False, fail_on="never")
    found = [f for f in rep.result.findings if "trivy" in f.sources]
    assert len(found) == 1 and found[0].secret_hash == sha1(value), found
    assert {p.path for p in found[0].places} == {"a.cfg", "b.cfg"}
