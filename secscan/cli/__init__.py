"""Command line: main(argv) -> exit code, one module per command group, the only code that prints."""
