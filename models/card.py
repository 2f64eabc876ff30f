"""Model cards: what a model is, as data. Code branches on these fields, never on a model's name."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

from embedboard.errors import EmbedboardError
from embedboard.safe_paths import check_path_part

Pooling = Literal["cls", "mean", "last-token"]
DType = Literal["fp32", "fp16", "bf16"]


@dataclass(frozen=True)
class ModelCard:
    """Everything the registry knows about one model.

    `adapter` names the module that runs it (see `models.registry.ADAPTERS`);
    `source` is a hub id, a local folder, or an API model name, as the adapter expects.
    """

    name: str
    adapter: str
    source: str
    hub_id: str | None = None  # the canonical "org/name": result folder names come from it
    revision: str | None = None
    max_length: int | None = None
    dim: int | None = None
    mrl_dims: tuple[int, ...] = ()
    pooling: Pooling | None = None
    normalize: bool = True
    instructions: str | None = None  # name of a table in tasks/instructions/
    dtype: DType = "fp32"
    batch_size: int = 32
    # Adapter-specific settings (API base URL, key variable, price, ...): data, not code paths.
    options: dict[str, Any] = field(default_factory=dict)
    description: str = ""

    @property
    def result_name(self) -> str:
        """The "org/name" used in result folders (`results/<org>__<name>/...`)."""
        name = self.hub_id or self.name
        return name if "/" in name else f"embedboard/{name}"

    @property
    def allowed_dims(self) -> tuple[int, ...]:
        """Output dimensions a run may ask for: the card's MRL dims, else anything up to the native dim."""
        return self.mrl_dims

    def check_dims(self, dims: list[int]) -> None:
        """Reject dims the model cannot serve: above its native dim, or off an API's allowed list."""
        for dim in dims:
            if dim <= 0:
                raise EmbedboardError(f"Dimension {dim} must be positive.")
            if self.dim is not None and dim > self.dim:
                raise EmbedboardError(
                    f"Dimension {dim} is above {self.name}'s native dimension {self.dim}."
                )
            if self.options.get("mrl_dims_only") and dim not in self.mrl_dims:
                raise EmbedboardError(
                    f"{self.name} serves only dims {list(self.mrl_dims)}; got {dim}."
                )

    def replace(self, **changes: Any) -> ModelCard:
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_dict(cls, payload: dict[str, Any], origin: str = "") -> ModelCard:
        where = f" in {origin}" if origin else ""
        if not isinstance(payload, dict):
            raise EmbedboardError(
                f"A model card{where} must be a mapping of fields, got {type(payload).__name__}."
            )
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(payload) - known
        if unknown:
            raise EmbedboardError(
                f"Model card '{payload.get('name', '?')}'{where} has unknown fields {sorted(unknown)}; "
                f"allowed: {sorted(known)}."
            )
        missing = {"name", "adapter", "source"} - set(payload)
        if missing:
            raise EmbedboardError(f"Model card {payload} lacks required fields {sorted(missing)}.")
        values = dict(payload)
        if "mrl_dims" in values:
            values["mrl_dims"] = tuple(int(d) for d in values["mrl_dims"] or ())
        for name in ("name", "hub_id", "revision"):  # each becomes part of a results path
            if values.get(name) is not None:
                check_path_part(
                    str(values[name]),
                    f"Model card '{values['name']}'{where}: {name}",
                    allow_slash=name != "revision",
                )
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        payload = dataclasses.asdict(self)
        payload["mrl_dims"] = list(self.mrl_dims)
        return payload
