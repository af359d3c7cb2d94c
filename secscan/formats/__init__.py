"""Report formats; each renders the JSON result alone."""
