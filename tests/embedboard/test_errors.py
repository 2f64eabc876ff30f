"""Bad input gets a clear error that names the fix; never a silent zero vector."""

from __future__ import annotations

import numpy as np
import pytest

from embedboard.cli.main import main
from embedboard.errors import EmbedboardError
from embedboard.models.base import EmbeddingModel
from embedboard.models.card import ModelCard
from embedboard.models.protocol import TaskContext
from embedboard.models.registry import get_card
from embedboard.tasks.suites import get_suite

TASK = TaskContext(name="STS12", type="STS")


class FixedOutput(EmbeddingModel):
    def __init__(self, card, output):
        super().__init__(card, show_progress=False)
        self.output = output

    def embed(self, inputs):
        return self.output(len(inputs))


def _card(dim=4):
    return ModelCard(name="fake", adapter="hf", source="x", dim=dim)


def test_unknown_model_names_the_closest():
    with pytest.raises(EmbedboardError, match="all-MiniLM-L6-v2"):
        get_card("all-minilm-l6")


def test_unknown_suite_and_task_name_the_closest():
    with pytest.raises(EmbedboardError, match="smoke"):
        get_suite("smok")
    with pytest.raises(EmbedboardError, match="STS12"):
        get_suite("smoke").mteb_tasks(["STS-12"])


def test_empty_input_list_names_task_and_model():
    with pytest.raises(EmbedboardError, match="STS12.*fake|fake.*STS12"):
        FixedOutput(_card(), lambda n: np.ones((n, 4))).encode([], TASK)


def test_nan_vectors_are_refused():
    def with_nan(n):
        out = np.ones((n, 4), dtype=np.float32)
        out[-1, 0] = np.nan
        return out

    with pytest.raises(EmbedboardError, match="NaN.*fake.*STS12"):
        FixedOutput(_card(), with_nan).encode(["a", "b"], TASK)


def test_dimension_disagreeing_with_card_is_refused():
    with pytest.raises(EmbedboardError, match="dimension 3 but the card says 4"):
        FixedOutput(_card(4), lambda n: np.ones((n, 3))).encode(["a"], TASK)


def test_short_batch_is_refused():
    with pytest.raises(EmbedboardError, match="Expected 2 vectors"):
        FixedOutput(_card(4), lambda n: np.ones((n - 1, 4))).encode(["a", "b"], TASK)


def test_cli_reports_errors_without_traceback(capsys):
    assert main(["eval", "--model", "bge-bse-en-v1.5", "--suite", "smoke"]) == 2
    err = capsys.readouterr().err
    assert (
        "Unknown model 'bge-bse-en-v1.5'" in err
        and "bge-base-en-v1.5" in err
        and "Traceback" not in err
    )


def test_dims_above_native_are_refused():
    with pytest.raises(EmbedboardError, match="above"):
        get_card("all-MiniLM-L6-v2").check_dims([512])
