"""Options of a scan: the option table, [tool.secscan] and --config files, building ScanOptions.

``build_options`` is imported from ``secscan.config.build`` (not re-exported here, so that importing one
config module does not load the others).
"""
