"""`python -m embedboard.cli ARGS`: the same as the `embedboard` command."""

from embedboard.cli.main import main

raise SystemExit(main())
