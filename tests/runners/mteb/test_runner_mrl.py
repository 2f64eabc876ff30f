"""MRL dims from one encoding pass: the native dim is the plain run, smaller dims re-encode nothing."""

from __future__ import annotations

import json

import numpy as np
import pytest

from embedboard.errors import EmbedboardError
from embedboard.models.mrl import truncate_and_normalize
from embedboard.models.registry import get_card, load_adapter
from embedboard.runners.mteb.runner import run_mteb_tasks
from embedboard.runners.store.results_store import ResultsStore
from embedboard.tasks.suites import get_suite


def test_truncation_renormalises_the_head():
    vectors = np.array([[3.0, 4.0, 12.0], [1.0, 0.0, 0.0]], dtype=np.float32)
    np.testing.assert_allclose(
        truncate_and_normalize(vectors, 2), [[0.6, 0.8], [1.0, 0.0]], atol=1e-7
    )


def test_dims_share_one_encoding_pass(tiny_st_dir, mirror, tmp_path):
    encoder = load_adapter(
        get_card(str(tiny_st_dir)),
        device="cpu",
        cache_dir=str(tmp_path / "cache"),
        show_progress=False,
    )
    tasks = get_suite("smoke").mteb_tasks(["STS16"])
    outcomes = run_mteb_tasks(
        encoder,
        tasks,
        results_root=tmp_path / "mrl",
        data_dir=str(mirror),
        dims=[32, 16, 8],
        echo=lambda *_: None,
    )
    assert [o.dim for o in outcomes] == [None, 16, 8]  # 32 is the native dim: the plain run

    plain = run_mteb_tasks(
        load_adapter(get_card(str(tiny_st_dir)), device="cpu", show_progress=False),
        tasks,
        results_root=tmp_path / "plain",
        data_dir=str(mirror),
        echo=lambda *_: None,
    )
    assert outcomes[0].main_score == pytest.approx(plain[0].main_score, abs=1e-9)

    card = encoder.card
    for dim in (16, 8):
        store = ResultsStore(tmp_path / "mrl", card.result_name, card.revision, dim)
        assert store.folder.parts[-2:] == ("experiments", f"embed_dim_{dim}")
        record = store.read_run_record("STS16")
        assert record["encode"]["encoded"] == 0 and record["encode"]["cache_hits"] > 0
        assert record["dim"] == dim
        meta = json.loads((store.folder / "model_meta.json").read_text())
        assert meta["experiment_kwargs"] == {"embed_dim": dim}
    assert len({o.main_score for o in outcomes}) == 3  # truncation really changed the vectors


def test_api_cards_refuse_dims_off_their_list():
    with pytest.raises(EmbedboardError, match="serves only dims"):
        get_card("all-MiniLM-L6-v2").replace(
            mrl_dims=(384, 128), options={"mrl_dims_only": True}
        ).check_dims([200])


@pytest.mark.slow  # ~30 s: encodes SciFact's 5,183 documents with the tiny model
def test_dims_load_the_data_once_and_score_as_a_fresh_load_would(
    tiny_st_dir, mirror, tmp_path, monkeypatch
):
    """All dims of a task share one load; evaluating one dim must not alter what the next sees."""
    tasks = get_suite("smoke").mteb_tasks(
        ["SciFact"]
    )  # retrieval: the type whose data mteb reshapes most
    task_class, loads = type(tasks[0]), []
    stock_load = task_class.load_data

    def counting_load(self, *args, **kwargs):
        loads.append(self.metadata.name)
        return stock_load(self, *args, **kwargs)

    monkeypatch.setattr(task_class, "load_data", counting_load)
    encoder = load_adapter(
        get_card(str(tiny_st_dir)),
        device="cpu",
        cache_dir=str(tmp_path / "cache"),
        show_progress=False,
    )
    run = dict(
        results_root=tmp_path / "r", data_dir=str(mirror), dims=[16, 8], echo=lambda *_: None
    )
    joint = run_mteb_tasks(encoder, tasks, **run)
    assert loads == ["SciFact"]
    assert not tasks[0].data_loaded  # the shared benchmark task never held the data

    store = ResultsStore(tmp_path / "r", encoder.card.result_name, encoder.card.revision, 8)
    items_path = store.side_folder / "items" / "SciFact.jsonl"
    joint_items = items_path.read_text()
    assert (
        joint_items.count("\n") == 300
    )  # every test query of SciFact, so the gold data was intact
    store.task_path("SciFact").unlink()

    alone = run_mteb_tasks(
        encoder, tasks, **run
    )  # only dim 8 is missing: a fresh load for it alone
    assert [o.status for o in alone] == ["skipped", "skipped", "done"]
    assert alone[-1].main_score == joint[-1].main_score
    assert items_path.read_text() == joint_items
