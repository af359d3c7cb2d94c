"""In-process analysis: offline advisories, the own secret engine, the PQC and mTLS checks."""
