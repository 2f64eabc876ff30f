"""What a user asked for about the model, typed: the CLI builds it, `models/` reads it.

Every verb that names a model (eval, plan, probe) fills one `ModelRequest` from the same
flags (`embedboard/cli/options.py`), and `models.card_lookup.card_for_request` turns it into
a card the same way for all of them; nothing below the CLI sees an argparse Namespace.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ModelRequest:
    """The model and how to load it: a name (card, `--cards` card, folder, hub id) or a server.

    `None` means "the card's value". `device` and `api_base` hold one value here; a list of
    them (several workers) is split off by the CLI before the driver's model is loaded.
    """

    model: str | None = None
    cards: tuple[str, ...] = ()
    api_base: str | None = None
    api_model: str | None = None
    api_key_env: str | None = None
    api_tokenizer: str | None = None
    dim: int | None = None
    device: str = "auto"
    dtype: str | None = None
    pooling: str | None = None
    max_length: int | None = None
    batch_size: int | None = None
    cpu_linear: str | None = None
    instructions: str | None = None

    def adapter_kwargs(self) -> dict[str, Any]:
        """What `registry.load_adapter` takes from the request (cache and progress aside)."""
        return {
            "device": self.device,
            "batch_size": self.batch_size,
            "instructions": self.instructions,
            "api_base": self.api_base,
            "cpu_linear": self.cpu_linear,
        }

    def worker_kwargs(self) -> dict[str, Any]:
        """What each scale-out worker's adapter is built with: the driver's settings minus
        device, server and cache, which every worker sets for itself."""
        return {
            "batch_size": self.batch_size,
            "instructions": self.instructions,
            "cpu_linear": self.cpu_linear,
        }
