"""From raw findings to the final Result: enrich, dedup, fingerprint, triage, remediation, gate, merge."""
