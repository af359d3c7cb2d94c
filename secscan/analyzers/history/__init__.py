"""Secrets in git history: every blob of a range read once (``git cat-file --batch``), scanned by the own
engine, each secret told with its first and last commit, its paths and whether HEAD still has it."""
