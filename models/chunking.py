"""The one encode-chunk planner: which inputs go together into one `embed` call.

`EmbeddingModel.encode` cuts the inputs it must compute into chunks with this function, and
`runners/scale/plan.py` cuts a suite's inputs for workers with the same function. A worker
that encodes a planned chunk therefore runs the forward passes (same inputs, same order,
same padding) the single-process run makes, which is what keeps scaled-out vectors
bit-identical to single-process ones. Change the rule here and both follow.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from embedboard.models.protocol import ChunkedEncoder, EncoderInput


@dataclass(frozen=True)
class ChunkCut:
    """Keys cut into `embed` calls, longest input first, and the length that ordered them."""

    chunks: list[list[bytes]]
    length_of: dict[bytes, int]
    lengths_are_tokens: bool


def plan_chunks(encoder: ChunkedEncoder, prepared: Mapping[bytes, EncoderInput]) -> ChunkCut:
    """Cut `prepared` ({cache key: input with its instruction}, in first-seen order) into chunks.

    Longest first (a stable sort, ties keep first-seen order): similar lengths share a batch
    (little padding), and the slowest batches run while an ETA is still honest.
    """
    keys = list(prepared)
    lengths, are_tokens = encoder.input_lengths([prepared[key] for key in keys])
    length_of = dict(zip(keys, lengths, strict=True))
    keys.sort(key=lambda key: -length_of[key])
    size = encoder.chunk_size
    chunks = [keys[start : start + size] for start in range(0, len(keys), size)]
    return ChunkCut(chunks, length_of, are_tokens)
