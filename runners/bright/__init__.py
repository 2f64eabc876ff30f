"""BRIGHT reasoning-intensive retrieval, scored exactly as the official xlang-ai/BRIGHT code.

`run_bright` is the entry point the CLI calls for the `bright` and `bright-long` suites.
"""

from embedboard.runners.bright.data import DOMAINS, LONG_DOMAINS, QUERY_VARIANTS, load_domain
from embedboard.runners.bright.metrics import main_score
from embedboard.runners.bright.runner import run_bright

__all__ = ["DOMAINS", "LONG_DOMAINS", "QUERY_VARIANTS", "load_domain", "main_score", "run_bright"]
