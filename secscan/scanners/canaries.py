"""Built-in canary inputs: small files with well-known problems every scanner must report."""

from __future__ import annotations

# A Python file with problems both bandit and the bundled semgrep rules know. The arguments are not
# constants, so rules that ignore constant commands still fire.
PYTHON_CANARY = '''"""secscan canary: deliberately insecure code, never part of a report."""
import hashlib
import pickle
import subprocess

import yaml


def canary(cmd, data):
    subprocess.call(cmd, shell=True)
    obj = pickle.loads(data)
    conf = yaml.load(data)
    digest = hashlib.md5(data).hexdigest()
    return obj, conf, digest


def canary_flow():
    from flask import request
    return subprocess.call("ls " + request.args["d"], shell=True)
'''

# bandit test ids the Python canary triggers.
BANDIT_EXPECTED = frozenset({"B602", "B301", "B506", "B324"})

# bundled semgrep rule id -> the line of PYTHON_CANARY it must flag.
SEMGREP_RULE_LINES: dict[str, int] = {
    "secscan.python.subprocess-shell-true": 10,
    "secscan.python.pickle-loads": 11,
    "secscan.python.yaml-load": 12,
    "secscan.python.weak-hash-md5": 13,
    "secscan.python.taint-command-injection": 19,  # a taint flow: the taint engine really runs
}

# bundled semgrep rule ids the Python canary triggers.
SEMGREP_EXPECTED = frozenset(SEMGREP_RULE_LINES)

# Every file name a canary is written under (reports must never mention one).
CANARY_FILE_NAMES = ("canary_bandit.py", "canary_semgrep.py", "canary_credentials.ini",
                     "secscan_canary_credentials.ini")


def fake_aws_key_file() -> str:
    """A config file with a well-formed, clearly fake AWS key pair (built so this source holds no key)."""
    key_id = "AKIA" + "SECSCAN" + "CANARY" + "999"  # 20 characters, the AWS access key id shape
    secret = "wJalrXUtnFEMI" + "/K7MDENG/" + "bPxRfiCYSECSCANCANARY1"
    return f'[default]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n'


def fake_aws_key_id() -> str:
    """The key id in fake_aws_key_file()."""
    return "AKIA" + "SECSCAN" + "CANARY" + "999"


CANARY_PREFIX = ".secscan-canary-"
