"""The only layer that starts processes: the runner (timeouts, process groups, Ctrl-C) and git."""
