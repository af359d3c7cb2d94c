"""mTLS verification with evidence: a self-test on a throwaway PKI, and probes of a real server.

Entry points: :func:`secscan.analyzers.mtls.check.self_test` and
:func:`secscan.analyzers.mtls.check.check_target`
(both return a :class:`secscan.analyzers.mtls.verdict.Verdict`).
"""
