"""Rule formats checked against the providers' documentation (issue 23): every checked rule names the page
(``doc``), and the shapes those pages describe are found, with the whole token as the value. Values are
generated here from a seeded RNG; none is a credential."""

from __future__ import annotations

import hashlib
import random
import string

import pytest

from secscan.analyzers.secrets import SecretEngine, load_patterns

PATTERNS = load_patterns()
ENGINE = SecretEngine(PATTERNS, "keywords")
RNG = random.Random(31)
ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"


def s(alphabet: str, n: int) -> str:
    return "".join(RNG.choice(alphabet) for _ in range(n))


def test_at_least_thirty_rules_name_the_page_they_were_checked_against() -> None:
    documented = [p for p in PATTERNS if p.doc]
    assert len(documented) >= 30
    assert all(p.doc.startswith("https://") for p in documented), [p.id for p in documented]


CASES = [
    # GitLab routable tokens: glpat-<27+>.<2><7> (docs.gitlab.com token prefixes; gitleaks)
    ("gitlab-token", lambda: f"glpat-{s(ALNUM + '_-', 27)}.01{s(HEX, 7)}"),
    ("gitlab-token", lambda: f"glrt-t1_{s(ALNUM, 27)}.01{s(HEX, 7)}"),
    ("gitlab-token", lambda: f"glcbt-64_{s(ALNUM, 20)}"),
    # Stripe: live keys from 10 characters (Stripe's own pattern, gitlab-org/gitlab#458019)
    ("stripe-secret-key", lambda: "sk_live_" + s(ALNUM, 12)),
    ("stripe-restricted-key", lambda: "rk_live_" + s(ALNUM, 99)),
    # Doppler's token formats page: dp.said., and service tokens with a config name
    ("doppler-token", lambda: "dp.said." + s(ALNUM, 43)),
    ("doppler-service-token", lambda: f"dp.st.dev_{s('abcxyz', 3)}.{s(ALNUM, 44)}"),
    # Azure Databricks tokens end in -N
    ("databricks-api-token", lambda: f"dapi{s(HEX, 32)}-2"),
    # Slack: configuration tokens are not upper-case only; workflow trigger webhook URLs
    ("slack-config-token", lambda: "xoxe.xoxp-1-" + s(ALNUM, 163)),
    ("slack-refresh-token", lambda: "xoxe-1-" + s(ALNUM, 146)),
    ("slack-webhook",
     lambda: f"https://hooks.slack.com/triggers/T{s(ALNUM, 10)}/{s('0123456789', 13)}/{s(HEX, 32)}"),
    # Telegram bot ids are not only 8 to 10 digits
    ("telegram-bot-token", lambda: f"{s('123456789', 12)}:AA{s(ALNUM + '_-', 33)}"),
    # 1Password service-account tokens are base64 (either alphabet)
    ("onepassword-service-account-token", lambda: "ops_eyJ" + s(ALNUM + "+/", 300)),
]


@pytest.mark.parametrize("rule,make", CASES, ids=[c[0] + str(i) for i, c in enumerate(CASES)])
def test_documented_shapes_are_found_whole(rule: str, make) -> None:
    token = make()
    found = ENGINE.scan_bytes("deploy/app.env", f'TOKEN="{token}"\n'.encode())
    mine = [f for f in found if f.rule_id == f"secscan.{rule}"]
    assert len(mine) == 1, (token, [f.rule_id for f in found])
    assert mine[0].secret_hash == hashlib.sha1(token.encode()).hexdigest(), token


@pytest.mark.parametrize("text", [
    f"dapi{'0' * 8}{'a1' * 12}{'f' * 9}",  # 41 hex: not a Databricks token
    "sk_live_short",  # under 10 after the prefix
    "dp.st.dev.tooshort",
])
def test_near_misses_are_not_found(text: str) -> None:
    assert not [f for f in ENGINE.scan_bytes("a.env", f"X={text}\n".encode())
                if f.rule_id in ("secscan.databricks-api-token", "secscan.stripe-secret-key",
                                 "secscan.doppler-service-token")]
