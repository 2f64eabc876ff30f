"""`--quiet`: no progress bars from the libraries either (transformers' "Loading weights", hub downloads).

The environment variables cover libraries not imported yet; the calls cover those already
imported (each reads its variable once, at import).
"""

from __future__ import annotations

import os
import sys


def silence_library_progress() -> None:
    os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = (
        "1"  # huggingface_hub, and transformers' bars follow it
    )
    os.environ["HF_DATASETS_DISABLE_PROGRESS_BARS"] = "1"
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    if "huggingface_hub" in sys.modules:
        from huggingface_hub.utils import disable_progress_bars

        disable_progress_bars()
    if "transformers" in sys.modules:
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
        transformers_logging.set_verbosity_error()
    if "datasets" in sys.modules:
        import datasets

        datasets.disable_progress_bars()
