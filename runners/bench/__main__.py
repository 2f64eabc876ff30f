"""`python -m embedboard.runners.bench`: the `make bench` driver (see `driver.py`)."""

import sys

from embedboard.errors import EmbedboardError
from embedboard.runners.bench.driver import main

try:
    sys.exit(main())
except EmbedboardError as err:
    print(f"error: {err}", file=sys.stderr)
    sys.exit(2)
