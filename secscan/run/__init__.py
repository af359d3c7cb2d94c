"""Running scanners: processes, progress, cache and shards."""
