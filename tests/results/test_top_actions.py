"""Top actions are "top": ranked by the risk they remove (severity x count), one upgrade per package and
target version across manifests, one action per leaked credential; reports show ten, then "N more"."""

from __future__ import annotations

import json
import re
from dataclasses import replace

from report_fixtures import build

from secscan.core.model import Category, Finding, Location, Package, ScannerResult, Severity, Status
from secscan.core.serialize import to_dict
from secscan.formats.html import render_html
from secscan.formats.markdown import render_markdown
from secscan.results.remediation import RISK_WEIGHT, risk, top_actions


def dep(name: str, version: str, fixed: str, rule: str, manifest: str,
        sev: Severity = Severity.HIGH) -> Finding:
    return Finding(rule, rule, rule, sev, sev.label, Category.DEPENDENCY, ("pip-audit",), Location(manifest),
                   Package(name, version, (fixed,), "PyPI"), (rule,), fingerprint=f"{name}-{version}-{rule}")


def key(rule: str, path: str, line: int, h: str, source: str, sev: Severity = Severity.HIGH,
        title: str = "AWS access key") -> Finding:
    return Finding(rule, title, title, sev, sev.label, Category.SECRET, (source,), Location(path, line, line),
                   fingerprint=f"{rule}-{path}-{line}", secret_hash=h, secret_mask="AKIA****")


def code(rule: str, n: int, sev: Severity) -> list[Finding]:
    return [Finding(rule, rule, f"{rule} message", sev, sev.label, Category.SAST, ("semgrep",),
                    Location("app.py", i + 1, i + 1), fingerprint=f"{rule}-{i}") for i in range(n)]


def test_one_upgrade_per_package_and_target_across_manifests() -> None:
    items = [
        dep("requests", "2.28.1", "2.31.0", "CVE-2023-32681", "api/requirements.txt"),
        dep("requests", "2.28.2", "2.31.0", "CVE-2023-32681", "worker/requirements.txt"),
        dep("Requests", "2.28.1", "2.31.0", "CVE-2023-32681", "tools/requirements.txt"),
        dep("urllib3", "1.26.5", "1.26.18", "CVE-2023-45803", "api/requirements.txt", Severity.MEDIUM),
        dep("urllib3", "1.24.1", "1.24.2", "CVE-2019-11236", "legacy/requirements.txt", Severity.MEDIUM),
    ]
    actions = top_actions(items)
    assert [(a.action, len(a.clears)) for a in actions] == [
        ("upgrade requests from 2.28.1, 2.28.2 to 2.31.0", 3),
        ("upgrade urllib3 from 1.24.1 to 1.24.2", 1),  # a different target: its own action
        ("upgrade urllib3 from 1.26.5 to 1.26.18", 1),
    ]


def test_one_action_per_secret_not_per_rule() -> None:
    items = [
        key("secscan.aws-access-key", "settings.py", 12, "h1", "secscan-secrets"),
        key("detect-secrets.AWSKeyDetector", "settings.py", 12, "h1", "detect-secrets",
            title="AWS Access Key"),
        key("secscan.credential-assignment", "settings.py", 12, "h1", "semgrep", Severity.MEDIUM),
        key("secscan.aws-access-key", "deploy/env.sh", 3, "h1", "secscan-secrets"),
        key("secscan.slack-token", "bot.py", 5, "h2", "secscan-secrets", title="Slack token"),
    ]
    actions = top_actions(items)
    assert [(a.action, len(a.clears)) for a in actions] == [
        ("rotate the AWS access key leaked at settings.py:12 and 1 more place (reported by 3 rules)", 4),
        ("rotate the Slack token leaked at bot.py:5", 1),
    ]
    assert all("AKIA" not in a.action for a in actions)


def test_ranked_by_severity_times_count() -> None:
    five_medium, one_high, two_low = code("R-M", 5, Severity.MEDIUM), code("R-H", 1, Severity.HIGH), \
        code("R-L", 2, Severity.LOW)
    assert risk(five_medium) == 5 * RISK_WEIGHT[Severity.MEDIUM] > risk(one_high)
    actions = top_actions([*one_high, *two_low, *five_medium])
    assert [a.action for a in actions] == ["fix 5 x R-M", "fix 1 x R-H", "fix 2 x R-L"]
    assert RISK_WEIGHT[Severity.CRITICAL] > 3 * RISK_WEIGHT[Severity.HIGH]
    assert list(RISK_WEIGHT.values()) == sorted(RISK_WEIGHT.values(), reverse=True)


def _many() -> list[Finding]:
    return [f for i in range(36)
            for f in code(f"R{i:02d}", 1 + i % 3, Severity.MEDIUM if i % 2 else Severity.LOW)]


def test_reports_show_ten_then_n_more_and_the_json_has_all() -> None:
    findings = _many()
    result = build(findings, [ScannerResult("semgrep", Status.OK)])
    result = replace(result, actions=tuple(top_actions(findings)))
    assert len(result.actions) == 36
    data = json.loads(json.dumps(to_dict(result)))
    assert len(data["summary"]["actions"]) == 36
    md = render_markdown(result)
    section = md[md.index("### Top actions"):md.index("###", md.index("### Top actions") + 5)]
    assert sum(1 for line in section.splitlines() if re.match(r"\d+\. ", line)) == 10
    assert "26 more actions (all in secscan.json, summary.actions)" in section
    html = render_html(result)
    part = html[html.index('id="actions"'):html.index('id="scanner-health"')]
    assert part.count("<li>") == 10 and "26\n    more actions (all in secscan.json" in part
