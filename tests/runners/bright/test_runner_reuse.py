"""BRIGHT reuses a finished domain only for the settings that produced it (issue 12, must-have 5)."""

from __future__ import annotations

import pytest

from embedboard.errors import EmbedboardError
from embedboard.runners.bright import run_bright
from embedboard.runners.store.results_store import ResultsStore
from tests.support.bright_mirror import bow_encoder


def test_other_instructions_or_top_k_stop_a_bright_rerun(tmp_path, bright_data_dir, datasets_cache):
    encoder = bow_encoder()
    store = ResultsStore(tmp_path, encoder.card.result_name, encoder.card.revision)
    log: list[str] = []
    kwargs = dict(
        domains=["aops"],
        long_context=False,
        data_dir=str(bright_data_dir),
        show_progress=False,
        cache_dir=datasets_cache,
        echo=log.append,
    )
    run_bright(encoder, store, overwrite=False, **kwargs)
    record = store.read_run_record("BrightRetrieval")["domains"]["standard/aops"]
    assert record["settings"]["query_variant"] == "examples" and record["settings"][
        "data"
    ].startswith("local:")

    assert (
        run_bright(encoder, store, overwrite=False, **kwargs)["domains"]["aops"]["status"]
        == "skipped"
    )
    assert "same settings" in log[-1]
    with pytest.raises(
        EmbedboardError, match=r"instruction\.query: None -> 'Instruct: .*--overwrite"
    ):
        run_bright(encoder, store, overwrite=False, instructions="bright-instruct", **kwargs)
    with pytest.raises(EmbedboardError, match=r"top_k: 1000 -> 10"):
        run_bright(encoder, store, overwrite=False, top_k=10, **kwargs)
    redone = run_bright(encoder, store, overwrite=True, instructions="bright-instruct", **kwargs)
    assert redone["domains"]["aops"]["status"] == "done"
