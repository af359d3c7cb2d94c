"""Offline advisories: OSV records matched against Python and npm dependency files.

- :mod:`.osv`: load a folder of OSV records (``load_db``), indexed by (ecosystem, package name);
- :mod:`.python_deps`: ``find_python_manifests``, ``read_python_deps``, ``audit_python``;
- :mod:`.npm_lockfile`: ``find_npm_lockfiles``, ``read_npm_deps``, ``audit_npm``;
- :mod:`.matching`, :mod:`.severity`, :mod:`.versions`: OSV range evaluation, CVSS severity, version order.
"""
