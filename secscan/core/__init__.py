"""The bottom layer: data model, options, errors, serialisation, bundled resources (imports nothing above)."""
