"""Fake examples for every pattern: a line with a well-formed (never real) secret, and placeholder lines.

Values are generated from a seeded RNG at run time, so no source file holds a live-looking secret. Test
material only: it lives in tests/support/ (never in the shipped package), so `secscan all .` on secscan has
no fake secret to report or suppress (tests/cli/test_self_scan.py).
"""

from __future__ import annotations

import base64
import json
import random
import string
from dataclasses import dataclass

from token_checksums import crc_token, pypi_token

ALNUM = string.ascii_letters + string.digits
B64 = ALNUM + "+/"
URLSAFE = ALNUM + "-_"
HEX = "0123456789abcdef"


@dataclass(frozen=True)
class Sample:
    """One line holding one secret of a pattern type; value is the exact secret the engine must report."""

    pattern: str
    line: str
    value: str


class _Gen:
    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)

    def s(self, alphabet: str, n: int) -> str:
        return "".join(self.r.choice(alphabet) for _ in range(n))

    def pw(self, n: int) -> str:
        return self.s(string.ascii_uppercase, 2) + self.s(ALNUM + "!%^*~", n - 4) + self.s(string.digits, 2)

    def jwt(self) -> str:
        def enc(obj: dict[str, object]) -> str:
            return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

        return f"{enc({'alg': 'HS256', 'typ': 'JWT'})}.{enc({'sub': self.s(HEX, 10), 'iat': 1716239022})}." \
               f"{self.s(URLSAFE, 43)}"

    def pem(self, kind: str) -> str:
        body = "\n".join(self.s(B64, 64) for _ in range(6))
        return f"-----BEGIN {kind}-----\n{body}\n{self.s(B64, 20)}==\n-----END {kind}-----"


def _simple(g: _Gen) -> list[tuple[str, str, str]]:
    """(pattern, line template with {v}, value) for single-line secrets."""
    return [
        ("aws-access-key-id", 'key_id = "{v}"', "AKIA" + g.s(string.ascii_uppercase + "234567", 16)),
        ("aws-secret-access-key", 'aws_secret_access_key = "{v}"', g.s(B64, 40)),
        ("google-api-key", 'MAPS = "{v}"', "AIza" + g.s(URLSAFE, 35)),
        ("azure-storage-account-key", "conn = 'DefaultEndpointsProtocol=https;AccountName=a;AccountKey={v};'",
         g.s(B64, 86) + "=="),
        ("github-pat", "GITHUB_TOKEN={v}", crc_token("ghp_", g.r)),
        ("github-oauth-token", "oauth: {v}", crc_token("gho_", g.r)),
        ("github-app-token", "token = '{v}'", crc_token("ghs_", g.r)),
        ("github-refresh-token", '"refresh": "{v}"', crc_token("ghr_", g.r)),
        ("github-fine-grained-pat", "GH={v}", "github_pat_" + g.s(ALNUM, 22) + "_" + g.s(ALNUM, 59)),
        ("gitlab-token", "GITLAB={v}", "glpat-" + g.s(URLSAFE, 20)),
        ("npm-token", "NPM_TOKEN={v}", crc_token("npm_", g.r)),
        ("npm-auth-token", "//registry.npmjs.org/:_authToken={v}",
         f"{g.s(HEX, 8)}-{g.s(HEX, 4)}-{g.s(HEX, 4)}-{g.s(HEX, 4)}-{g.s(HEX, 12)}"),
        ("pypi-token", "upload = {v}", pypi_token(g.r)),
        ("slack-token", "SLACK={v}",
         f"xoxb-{g.s(string.digits, 11)}-{g.s(string.digits, 12)}-{g.s(ALNUM, 24)}"),
        ("slack-webhook", "hook: {v}",
         f"https://hooks.slack.com/services/T{g.s(ALNUM, 8)}/B{g.s(ALNUM, 8)}/{g.s(ALNUM, 24)}"),
        ("stripe-secret-key", 'STRIPE = "{v}"', "sk_live_" + g.s(ALNUM, 24)),
        ("stripe-restricted-key", 'STRIPE_RK = "{v}"', "rk_live_" + g.s(ALNUM, 24)),
        ("stripe-test-key", 'STRIPE_TEST = "{v}"', "sk_test_" + g.s(ALNUM, 24)),
        ("sendgrid-api-key", "mail: {v}", "SG." + g.s(URLSAFE, 22) + "." + g.s(URLSAFE, 43)),
        ("twilio-api-key", "twilio: {v}", "SK" + g.s(HEX, 32)),
        ("twilio-account-sid", "account: {v}", "AC" + g.s(HEX, 32)),
        ("openai-api-key", 'OPENAI = "{v}"', "sk-" + g.s(ALNUM, 20) + "T3BlbkFJ" + g.s(ALNUM, 20)),
        ("anthropic-api-key", "CLAUDE={v}", "sk-ant-api03-" + g.s(URLSAFE, 93)),
        ("putty-private-key", "{v}", "PuTTY-User-Key-File-2: ssh-rsa"),
        ("jwt", 'session = "{v}"', g.jwt()),
    ]


def positive_samples(seed: int = 20240) -> list[Sample]:
    """One sample per pattern id."""
    g = _Gen(seed)
    out = [Sample(p, t.replace("{v}", v), v) for p, t, v in _simple(g)]
    for pid, kind in (("private-key", "RSA PRIVATE KEY"), ("openssh-private-key", "OPENSSH PRIVATE KEY"),
                      ("pgp-private-key", "PGP PRIVATE KEY BLOCK")):
        pem = g.pem(kind)
        out.append(Sample(pid, pem, pem))
    pw = g.pw(18)
    out += [
        Sample("database-url-password", f"DATABASE_URL=postgres://app:{pw}@db.internal.corp:5432/app", pw),
        Sample("broker-url-password", f"BROKER=amqp://svc:{(b := g.pw(16))}@mq.internal.corp:5672/", b),
        Sample("url-basic-auth", f"git clone https://deploy:{(u := g.pw(16))}@git.internal.corp/x.git", u),
        Sample("jdbc-password", "spring.datasource.url=jdbc:postgresql://db.internal.corp:5432/app?user=app"
               f"&password={(j := g.pw(18))}&ssl=true", j),
        Sample("connection-string-password", '"Default": "Server=tcp:sql.internal.corp,1433;Database=app;'
               f'User Id=app;Password={(c := g.pw(18))};Encrypt=True"', c),
        Sample("generic-password", f'DB_PASSWORD = "{(p := g.pw(20))}"', p),
        Sample("generic-secret", f"  client_secret: {(s := g.pw(24))}", s),
        Sample("generic-api-key", f'  "api_key": "{(k := g.pw(32))}",', k),
    ]
    return out


def placeholder_lines() -> dict[str, list[str]]:
    """Per pattern id, lines that look like its secret but are placeholders (no finding expected)."""
    x = "x"
    out: dict[str, list[str]] = {
        "aws-access-key-id": ["key_id = AKIAIOSFODNN7" + "EXAMPLE", "key_id = AKIA" + "0" * 16],
        "aws-secret-access-key": ['aws_secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCY' + 'EXAMPLEKEY"'],
        "google-api-key": ["MAPS = AIza" + x * 35],
        "azure-storage-account-key": ["AccountKey=" + "A" * 86 + "=="],
        "github-pat": ["GITHUB_TOKEN=ghp_" + x * 36, "GITHUB_TOKEN=ghp_<your-token-here>"],
        "github-oauth-token": ["gho_" + "0" * 36],
        "github-app-token": ["ghs_" + "a" * 36],
        "github-refresh-token": ["ghr_" + "EXAMPLE" * 6],
        "github-fine-grained-pat": ["github_pat_" + x * 22 + "_" + x * 59],
        "gitlab-token": ["GITLAB=glpat-" + x * 20],
        "npm-token": ["NPM_TOKEN=npm_" + "0" * 36],
        "npm-auth-token": ["//registry.npmjs.org/:_authToken=${NPM_TOKEN}"],
        "pypi-token": ["pypi-AgEIcHlwaS5vcmc" + x * 80],
        "slack-token": ["xoxb-000000000-000000000-" + x * 24],
        "slack-webhook": ["https://hooks.slack.com/services/T" + "X" * 8 + "/B" + "X" * 8 + "/" + "X" * 24],
        "stripe-secret-key": ['STRIPE = "sk_live_' + x * 24 + '"'],
        "stripe-restricted-key": ['STRIPE = "rk_live_' + "0" * 24 + '"'],
        "stripe-test-key": ['STRIPE = "sk_test_' + "YOURKEYHERE" * 3 + '"'],
        "sendgrid-api-key": ["SG." + x * 22 + "." + x * 43],
        "twilio-api-key": ["SK" + "0" * 32],
        "twilio-account-sid": ["AC" + "0" * 32],
        "openai-api-key": ["OPENAI=sk-" + x * 48, "OPENAI=sk-your-openai-api-key-here-1234567890abcdefghij"],
        "anthropic-api-key": ["sk-ant-api03-" + x * 90],
        "private-key": ["-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----"],
        "openssh-private-key": ["-----BEGIN OPENSSH PRIVATE KEY-----\n<your key>\n"
                                "-----END OPENSSH PRIVATE KEY-----"],
        "pgp-private-key": ["-----BEGIN PGP PRIVATE KEY BLOCK-----\n...\n"
                            "-----END PGP PRIVATE KEY BLOCK-----"],
        "putty-private-key": ["PuTTY-User-Key-File-2: <your key here>"],
        "jwt": ["eyJhbGciOiJIUzI1NiJ9.eyJ" + x * 20 + "." + x * 20],
        "database-url-password": ["postgres://user:password@localhost/db",
                                  "postgres://app:${DB_PASSWORD}@db/app", "mysql://root:s3cr3tpass@db.example.com/x"],
        "broker-url-password": ["redis://:changeme@cache:6379/0", "amqp://guest:guest@localhost:5672//"],
        "url-basic-auth": ["https://user:pass@example.com/", "https://{{user}}:{{password}}@host/"],
        "jdbc-password": ["jdbc:mysql://localhost:3306/app?user=root&password=${DB_PASSWORD}",
                          "jdbc:postgresql://db.example.com/app?password=changeme"],
        "connection-string-password": ["Server=localhost;Database=app;User Id=sa;Password=<your-password>;",
                                       "Data Source=db;Initial Catalog=app;Password={{ db_password }};"],
        "generic-password": ['password = "changeme"', 'password = "test-Pa55-123456"',
                             'password = request.POST["password"]', "password = os.environ['DB_PASSWORD']",
                             'DB_PASSWORD = "mypassword"', 'password = "pbkdf2_sha256$1000$Ab12$xYz=="',
                             "password_form = PasswordChangeForm2", 'password = "hunter"'],
        "generic-secret": ['SECRET_KEY = "{{ secret_key }}"', 'client_secret = "fake-Secret-Value-1234"',
                           'SECRET_KEY = "django-insecure-"', "secret: ${CLIENT_SECRET}"],
        "generic-api-key": ['api_key = "<your-api-key>"', "api_key = settings.API_KEY",
                            '"api_key": "c4d77c62-6196-4f17-a06b-c462cffae87a"',
                            "API_KEY=replace_me_with_key"],
    }
    more = {  # a second look-alike per hand-written rule: a placeholder, a broken structure or no match
        "anthropic-api-key": ["sk-ant-api03-" + "EXAMPLE" * 13 + "AA"],
        "aws-secret-access-key": ['aws_secret_access_key = "' + x * 40 + '"'],
        "azure-storage-account-key": ["AccountKey=" + "EXAMPLEx" * 10 + "abcdef=="],
        "github-fine-grained-pat": ["github_pat_" + "0" * 22 + "_" + "0" * 59],
        "gitlab-token": ["GITLAB=glpat-" + "EXAMPLE" * 3],
        "google-api-key": ["MAPS = AIza" + "EXAMPLE" * 5],
        "jwt": ["eyJ" + "0123456789" * 2 + ".eyJ" + "abcd" * 5 + ".sig"],
        "npm-auth-token": ["//registry.npmjs.org/:_authToken={{ npm_token }}"],
        "openssh-private-key": ["-----BEGIN OPENSSH PRIVATE KEY-----\n" + "EXAMPLE" * 9
                                + "\n-----END OPENSSH PRIVATE KEY-----"],
        "pgp-private-key": ["-----BEGIN PGP PRIVATE KEY BLOCK-----\n" + x * 64
                            + "\n-----END PGP PRIVATE KEY BLOCK-----"],
        "private-key": ["-----BEGIN PRIVATE KEY-----\n" + x * 64 + "\n-----END PRIVATE KEY-----"],
        "putty-private-key": ["PuTTY-User-Key-File-3: <key>"],
        "pypi-token": ["pypi-AgEIcHlwaS5vcmc" + "AbCd1234-_Ef" * 8],  # no macaroon inside
        "sendgrid-api-key": ["SG." + "EXAMPLE" * 3 + "x." + "EXAMPLE" * 6 + "x"],
        "slack-token": ["xoxb-123456789012-123456789012-" + "EXAMPLE" * 3 + "abc"],
        "slack-webhook": ["https://hooks.slack.com/services/T00000000/B00000000/" + "X" * 24],
        "stripe-restricted-key": ['STRIPE = "rk_live_' + "EXAMPLE" * 4 + '"'],
        "stripe-secret-key": ['STRIPE = "sk_live_abcdefghijklmnopqrstuvwx"'],
        "stripe-test-key": ['STRIPE = "sk_test_' + x * 24 + '"'],
        "twilio-account-sid": ["AC" + "a" * 32],
        "twilio-api-key": ["SK" + "0123456789abcdef" * 2],
    }
    return {k: v + more.get(k, []) for k, v in out.items()}
