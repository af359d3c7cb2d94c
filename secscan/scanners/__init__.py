"""Scanner adapters: how to run each tool, and how to read its output."""
