"""Options of the PQC and mTLS checks inside the scanning commands (``secscan all`` and friends).

The same settings as ``secscan pqc`` / ``secscan mtls``, from the command line or ``[tool.secscan]``
(the command line wins), so that the report's ``pqc`` and ``mtls`` entries describe the application's
interpreter and server rather than only secscan's own interpreter and the loopback self-test.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from secscan.config.load import Config
from secscan.core.errors import UsageError

#: [tool.secscan] key -> type; the scanners read the same names from their context options.
CHECK_KEYS: dict[str, type] = {
    "pqc_python": str, "pqc_algs": list, "mtls_target": str, "mtls_ca": str, "mtls_cert": str,
    "mtls_key": str, "mtls_server_name": str, "mtls_pq": bool, "mtls_require_pq": bool,
}
PATH_KEYS = ("mtls_ca", "mtls_cert", "mtls_key")


def add_check_arguments(p: argparse.ArgumentParser) -> None:
    """The --pqc-* and --mtls-* options of a scanning command."""
    p.add_argument("--pqc-python", default=None, metavar="PATH",
                   help="check the oqs module of this interpreter (the application's venv)")
    p.add_argument("--pqc-alg", dest="pqc_algs", action="append", default=None, metavar="ALG",
                   help="KEM to verify (repeatable; default ML-KEM-512/768/1024)")
    p.add_argument("--mtls-target", default=None, metavar="HOST:PORT",
                   help="check this server's mTLS instead of the loopback self-test")
    p.add_argument("--mtls-ca", type=Path, default=None, help="CA that signs the server (PEM)")
    p.add_argument("--mtls-cert", type=Path, default=None, help="client certificate (PEM)")
    p.add_argument("--mtls-key", type=Path, default=None, help="client key (PEM)")
    p.add_argument("--mtls-server-name", default=None, help="name the server certificate must carry")
    p.add_argument("--mtls-pq", action=argparse.BooleanOptionalAction, default=None,
                   help="offer only the hybrid group X25519MLKEM768")
    p.add_argument("--mtls-require-pq", action=argparse.BooleanOptionalAction, default=None,
                   help="a server that does not negotiate it is a finding")


def _from_config(conf: Config, key: str) -> Any:
    value = conf.get(key)
    if value is not None and key in PATH_KEYS and conf.source is not None:
        return str((conf.source.parent / value).resolve())
    if key == "pqc_python" and value and not Path(value).is_absolute() and conf.source is not None:
        return str((conf.source.parent / value).absolute())  # a venv's python is often a symlink: keep it
    return value


def check_extra(args: argparse.Namespace, conf: Config) -> dict[str, Any]:
    """The check settings for the scanners' context (command line over configuration)."""
    out: dict[str, Any] = {}
    for key in CHECK_KEYS:
        cli = getattr(args, key, None)
        value = (str(cli.resolve()) if isinstance(cli, Path) else cli) if cli is not None \
            else _from_config(conf, key)
        if value is not None:
            out[key] = value
    if "mtls_target" in out:
        missing = [f"--{k.replace('_', '-')}" for k in PATH_KEYS if k not in out]
        if missing:
            raise UsageError(f"--mtls-target needs {', '.join(missing)} (or mtls_ca, mtls_cert, mtls_key "
                             "in [tool.secscan])")
        for k in PATH_KEYS:
            if not Path(out[k]).is_file():
                raise UsageError(f"{k.replace('_', '-')} {out[k]}: no such file")
    elif any(k in out for k in (*PATH_KEYS, "mtls_server_name")):
        raise UsageError("--mtls-ca/--mtls-cert/--mtls-key/--mtls-server-name need --mtls-target")
    return out
