"""Options of a scan: [tool.secscan] and --config files, check options, building ScanOptions."""
