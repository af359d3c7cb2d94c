"""One scan: plan, walk the tree, run scanners in parallel (cache, canaries, imports, staged, doctor)."""
