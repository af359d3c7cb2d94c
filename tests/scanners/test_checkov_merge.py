"""checkov and Trivy misconfigurations of the same file merge (rules/equivalence.yaml, dedup._link_iac):
the real recorded outputs of both tools, and the line rules value by value."""

from __future__ import annotations

from pathlib import Path

import pytest

from secscan.core.model import Category, Finding, Location, Severity
from secscan.parsers import checkov, trivy
from secscan.results.dedup import merge

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "checkov"
TRIVY_SAMPLE = Path(__file__).resolve().parents[3] / "shared" / "samples" / "trivy" / (
    "defectdojo__misconfigurations_and_secrets.json")


def test_real_trivy_ds002_merges_with_checkov_root_user() -> None:
    if not TRIVY_SAMPLE.is_file():
        pytest.skip("[shared] ../shared/samples not present beside the project")
    ckv = checkov.parse((FIXTURES / "single_dockerfile.json").read_bytes(), "checkov").findings
    trv = [f for f in trivy.parse(TRIVY_SAMPLE.read_bytes(), "trivy").findings if f.rule_id == "DS002"]
    assert len(trv) == 1 and trv[0].location is not None and trv[0].location.path == "Dockerfile"
    merged = merge([*ckv, *trv])
    root = [f for f in merged if "trivy" in f.sources]
    assert len(root) == 1 and set(root[0].sources) == {"checkov", "trivy"}
    rules = {root[0].rule_id, *(m.rule_id for m in root[0].merged_from)}
    assert "CKV_DOCKER_3" in rules
    assert len(merged) == len(ckv)  # the other checkov findings stay as they are


def ckv(rule: str, start: int | None, end: int | None, path: str = "k8s/pod.yaml") -> Finding:
    where = Location(path, start, end)
    return Finding(rule, rule, rule, Severity.HIGH, "unset", Category.IAC, ("checkov",), where)


def trv(rule: str, start: int | None, path: str = "k8s/pod.yaml") -> Finding:
    return Finding(rule, rule, rule, Severity.HIGH, "HIGH", Category.MISCONFIGURATION, ("trivy",),
                   Location(path, start, start))


@pytest.mark.parametrize(("checkov_f", "trivy_f", "merged"), [
    (ckv("CKV_K8S_16", 1, 17), trv("KSV017", 11), True),  # Trivy's line inside the resource
    (ckv("CKV_K8S_16", 1, 17), trv("KSV-0017", 11), True),  # newer Trivy id spelling
    (ckv("CKV_K8S_16", 1, 17), trv("KSV017", 30), False),  # another resource of the file
    (ckv("CKV_K8S_16", 1, 17), trv("KSV017", 11, "k8s/other.yaml"), False),  # another file
    (ckv("CKV_K8S_16", 1, 17), trv("KSV012", 11), False),  # a different weakness
    (ckv("CKV_DOCKER_3", 1, 4, "Dockerfile"), trv("DS002", None, "Dockerfile"), True),  # whole-file check
    (ckv("CKV_DOCKER_7", 1, 1, "Dockerfile"), trv("DS001", 1, "Dockerfile"), True),
])
def test_line_rules(checkov_f: Finding, trivy_f: Finding, merged: bool) -> None:
    out = merge([checkov_f, trivy_f])
    assert (len(out) == 1) is merged
    if merged:
        assert set(out[0].sources) == {"checkov", "trivy"}


def test_two_checkov_checks_never_merge_through_trivy() -> None:
    out = merge([ckv("CKV_K8S_37", 1, 17), ckv("CKV_K8S_28", 1, 17), trv("KSV003", 9)])
    assert len(out) == 2
