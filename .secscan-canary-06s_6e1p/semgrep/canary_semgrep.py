"""secscan canary: deliberately insecure code, never part of a report."""
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
