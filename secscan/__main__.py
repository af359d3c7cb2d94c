"""``python -m secscan``: the command line."""

from secscan.cli.main import main

raise SystemExit(main())
