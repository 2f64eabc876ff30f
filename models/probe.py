"""Backend fidelity probe: the same fixed real texts through two backends, compared vector by vector.

Inference servers have silently served wrong vectors (vLLM issues #16892 and #45995: a
pooling or normalisation mismatch scores a whole suite with a broken model). A probe costs
48 texts, so it runs before a remote run whose card names a local reference
(`options.probe_reference`), and on demand with `embedboard probe --model A --against B`.

The texts (`probe_texts.json`) are real test-set texts: English sentences, queries,
documents longer than 256 tokens (so truncation is compared too), Chinese sentences.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from embedboard.errors import EmbedboardError
from embedboard.models.protocol import TaskContext

DEFAULT_MIN_COSINE = 0.999
PROBE_TASK = TaskContext(name="EmbedboardProbe", type="STS")


def probe_texts() -> list[str]:
    payload = json.loads(Path(__file__).with_name("probe_texts.json").read_text(encoding="utf-8"))
    return list(payload["texts"])


@dataclass(frozen=True)
class ProbeResult:
    model: str
    reference: str
    texts: int
    min_cosine: float
    max_abs_delta: float
    worst_text: int
    min_cosine_required: float
    max_abs_delta_allowed: float | None

    @property
    def passed(self) -> bool:
        ok = self.min_cosine >= self.min_cosine_required
        return ok and (
            self.max_abs_delta_allowed is None or self.max_abs_delta <= self.max_abs_delta_allowed
        )

    def line(self) -> str:
        verdict = "pass" if self.passed else "FAIL"
        limit = f"min cosine >= {self.min_cosine_required:g}"
        if self.max_abs_delta_allowed is not None:
            limit += f", max |delta| <= {self.max_abs_delta_allowed:g}"
        return (
            f"probe {self.model} vs {self.reference}: {self.texts} texts, min cosine {self.min_cosine:.7f} "
            f"(text {self.worst_text}), max |delta| {self.max_abs_delta:.2e}; required {limit}: {verdict}"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "reference": self.reference,
            "texts": self.texts,
            "min_cosine": self.min_cosine,
            "max_abs_delta": self.max_abs_delta,
            "worst_text": self.worst_text,
            "min_cosine_required": self.min_cosine_required,
            "max_abs_delta_allowed": self.max_abs_delta_allowed,
            "passed": self.passed,
        }


def thresholds(card: Any, min_cosine: float | None = None) -> tuple[float, float | None]:
    options = card.options
    required = (
        min_cosine
        if min_cosine is not None
        else float(options.get("probe_min_cosine", DEFAULT_MIN_COSINE))
    )
    delta = options.get("probe_max_abs_delta")
    return required, float(delta) if delta is not None else None


def compare(
    model: Any, reference: Any, *, min_cosine: float | None = None, texts: list[str] | None = None
) -> ProbeResult:
    """Encode the probe texts with both encoders and compare; thresholds from `model`'s card."""
    sample = texts or probe_texts()
    ours = np.asarray(model.encode(sample, PROBE_TASK, None), dtype=np.float64)
    theirs = np.asarray(reference.encode(sample, PROBE_TASK, None), dtype=np.float64)
    if ours.shape != theirs.shape:
        raise EmbedboardError(
            f"Probe: {model.card.name} gives {ours.shape[1]}-dim vectors, {reference.card.name} "
            f"{theirs.shape[1]}-dim; they are not the same model (check --api-model / the card's probe_reference)."
        )
    ours /= np.linalg.norm(ours, axis=1, keepdims=True)
    theirs /= np.linalg.norm(theirs, axis=1, keepdims=True)
    cosines = (ours * theirs).sum(axis=1)
    required, delta = thresholds(model.card, min_cosine)
    return ProbeResult(
        model=model.card.name,
        reference=reference.card.name,
        texts=len(sample),
        min_cosine=float(cosines.min()),
        max_abs_delta=float(np.abs(ours - theirs).max()),
        worst_text=int(cosines.argmin()),
        min_cosine_required=required,
        max_abs_delta_allowed=delta,
    )


def refuse_unless_passed(result: ProbeResult) -> None:
    if not result.passed:
        raise EmbedboardError(
            result.line()
            + ". The backend does not reproduce the reference: check the server's pooling, "
            "normalisation, dtype and truncation (or lower the card's probe_min_cosine if this is expected)."
        )
