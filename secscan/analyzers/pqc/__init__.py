"""PQC verification: does this environment's liboqs KEM really work, or is it a stub or fallback?

Modules: probe (ctypes library search, never imports `oqs`), child (the self-contained script run by the
interpreter under test), reference (FIPS 203 sizes, hashlib, cryptography's ML-KEM), evaluate (raw bytes
-> checks), verdict (checks -> verdict), result (frozen data), verify (the whole check:
``secscan.analyzers.pqc.verify.verify``). Kept free of imports so ``python -m secscan.analyzers.pqc.child``
stays light.
"""
