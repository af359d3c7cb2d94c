"""`secscan merge` logic (secscan/combine.py) on hand-made results: duplicates across inputs become one
finding with every source, scanner health combines to the least complete status, and shards are checked."""

from __future__ import annotations

from dataclasses import replace

from report_fixtures import bandit, build

from secscan.core.model import ScannerResult, Severity, Status
from secscan.results.merge import combine, combine_scanners, shard_check


def ok(name: str, files: int) -> ScannerResult:
    return ScannerResult(name, Status.OK, "1.0", 1.0, None, 1, {"files_scanned": files}, canary="detected")


def test_the_same_problem_from_two_inputs_is_one_finding() -> None:
    one = bandit("B602", "a.py", 5, Severity.HIGH, "subprocess with shell=True")
    two = replace(one, sources=("semgrep",), rule_id="secscan.python.subprocess-shell-true", fingerprint="")
    a = build([one], [ok("bandit", 3)])
    b = build([replace(two, fingerprint="other")], [ok("semgrep", 4)])
    merged = combine([a, b])
    assert len(merged.findings) == 1
    assert set(merged.findings[0].sources) == {"bandit", "semgrep"}
    assert merged.gate.exit_code == 1  # high finding, fail_on high


def test_distinct_problems_are_all_kept() -> None:
    a = build([bandit("B602", "a.py", 5, Severity.HIGH, "t")], [ok("bandit", 3)])
    b = build([bandit("B301", "b.py", 9, Severity.MEDIUM, "pickle", cwe="CWE-502")], [ok("bandit", 4)])
    merged = combine([a, b])
    assert sorted(f.rule_id for f in merged.findings) == ["B301", "B602"]
    (entry,) = merged.scanners
    assert entry.coverage == {"files_scanned": 7} and entry.status is Status.OK


def test_health_is_the_least_complete_that_really_ran() -> None:
    failed = ScannerResult("bandit", Status.FAILED, "1.0", 2.0, "crashed", 0, {"files_scanned": 0},
                           canary="missing")
    skipped = ScannerResult("bandit", Status.SKIPPED, None, 0.0, "runs in shard 1/2 only", 0, {})
    assert combine_scanners([ok("bandit", 3), failed]).status is Status.FAILED
    assert combine_scanners([ok("bandit", 3), failed]).canary == "missing"
    assert combine_scanners([ok("bandit", 3), skipped]).status is Status.OK
    merged = combine([build([], [ok("bandit", 3)]), build([], [failed])])
    assert merged.gate.exit_code == 3 and merged.incomplete


def test_shard_check() -> None:
    def part(i: int, n: int) -> object:
        return replace(build([], [ok("bandit", 1)]), shard=(i, n))

    assert shard_check([build([], [])]) is None  # not shards
    whole = shard_check([part(1, 2), part(2, 2)])  # type: ignore[list-item]
    assert whole is not None and whole.status is Status.OK
    for parts, why in (([part(1, 3), part(3, 3)], "missing shard(s) 2/3"),
                       ([part(1, 2), part(1, 2), part(2, 2)], "more than once: 1/2"),
                       ([part(1, 2), part(2, 3), part(3, 3)], "different splits"),
                       ([part(1, 2), build([], []), part(2, 2)], "1 input(s) are not shards")):
        bad = shard_check(parts)  # type: ignore[arg-type]
        assert bad is not None and bad.status is Status.FAILED and why in (bad.reason or ""), (why, bad)


def test_the_shard_is_a_field_and_older_reports_are_read_from_their_note() -> None:
    from secscan.core.serialize import result_from_dict
    from secscan.core.serialize import to_dict as result_to_dict

    one = replace(build([], [ok("bandit", 1)]), shard=(2, 3))
    data = result_to_dict(one)
    assert data["shard"] == {"index": 2, "total": 3} and result_from_dict(data).shard == (2, 3)
    legacy = {k: v for k, v in data.items() if k != "shard"}
    legacy["notes"] = ["shard 2/3: 3 of 6 file(s)"]
    assert result_from_dict(legacy).shard == (2, 3)
    # a note that merely mentions a shard is not one when the field says otherwise
    assert result_from_dict({**data, "shard": None, "notes": []}).shard is None
    assert "shard" not in result_to_dict(build([], []))


def test_a_combined_entry_keeps_categories_and_executable() -> None:
    from secscan.core.model import Category

    one = replace(ok("trivy", 3), categories=(Category.DEPENDENCY, Category.SECRET),
                  executable="/usr/bin/trivy")
    skipped = ScannerResult("trivy", Status.SKIPPED, None, 0.0, "runs in shard 1/2 only", 0, {},
                            categories=(Category.DEPENDENCY, Category.SECRET))
    for entries in ([one, skipped], [skipped, one], [one, replace(one, executable=None)]):
        s = combine_scanners(entries)
        assert s.categories == (Category.DEPENDENCY, Category.SECRET) and s.executable == "/usr/bin/trivy"
    merged = combine([build([], [one]), build([], [skipped])])
    (entry,) = merged.scanners
    assert entry.categories == one.categories and entry.executable == "/usr/bin/trivy"
