"""The default thread count: idle cores, so a busy machine does not make torch spin-wait."""

from __future__ import annotations

import pytest

from embedboard.errors import EmbedboardError
from embedboard.models import torch_runtime
from embedboard.runners.scale.scale_out import threads_per_worker


@pytest.mark.parametrize("load, expected", [(0.0, 4), (1.2, 3), (3.6, 1), (12.0, 1)])
def test_default_threads_are_the_idle_cores(monkeypatch, load, expected):
    monkeypatch.delenv("EMBEDBOARD_THREADS", raising=False)
    monkeypatch.setattr(torch_runtime, "usable_cores", lambda: 4)
    monkeypatch.setattr(torch_runtime.os, "getloadavg", lambda: (load, load, load))
    assert torch_runtime.default_threads() == expected


def test_embedboard_threads_overrides_and_a_bad_value_names_the_fix(monkeypatch):
    monkeypatch.setenv("EMBEDBOARD_THREADS", "3")
    assert torch_runtime.default_threads() == 3
    assert threads_per_worker(2) == 1 and threads_per_worker(1) == 3
    monkeypatch.setenv("EMBEDBOARD_THREADS", "many")
    with pytest.raises(EmbedboardError, match="EMBEDBOARD_THREADS='many'"):
        torch_runtime.default_threads()
