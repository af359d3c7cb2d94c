"""mTLS verification with evidence: a self-test on a throwaway PKI, and probes of a real server.

Entry points: :func:`secscan.checks.mtls.check.self_test` and :func:`secscan.checks.mtls.check.check_target`
(both return a :class:`secscan.checks.mtls.verdict.Verdict`).
"""
