"""Environment checks that produce scanner outcomes: PQC (liboqs KEM) and mTLS."""
