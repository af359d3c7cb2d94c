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
'''

# bandit test ids the Python canary triggers.
BANDIT_EXPECTED = frozenset({"B602", "B301", "B506", "B324"})

# bundled semgrep rule ids (suffixes) the Python canary triggers.
SEMGREP_EXPECTED = frozenset({
    "secscan.python.subprocess-shell-true", "secscan.python.pickle-loads", "secscan.python.yaml-load",
    "secscan.python.weak-hash-md5",
})


def fake_aws_key_file() -> str:
    """A config file with a well-formed, clearly fake AWS key pair (built so this source holds no key)."""
    key_id = "AKIA" + "SECSCAN" + "CANARY" + "999"  # 20 characters, the AWS access key id shape
    secret = "wJalrXUtnFEMI" + "/K7MDENG/" + "bPxRfiCYSECSCANCANARY1"
    return f'[default]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n'


def fake_aws_key_id() -> str:
    """The key id in fake_aws_key_file()."""
    return "AKIA" + "SECSCAN" + "CANARY" + "999"
