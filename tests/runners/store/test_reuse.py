"""A finished result is reused only for the settings that produced it (issue 12, must-have 5 and 8).

Each test is a wrong-number case seen on this machine: a re-run with another instruction
table or max length printed "skip" and kept the old score; `--pooling` on a
sentence-transformers folder was recorded and ignored; a predictions file torn by a kill
blocked every re-run. Real STS16 data, tiny random models.
"""

from __future__ import annotations

import json

import pytest

from embedboard.errors import EmbedboardError
from embedboard.models.registry import get_card, load_adapter
from embedboard.runners.mteb.runner import run_mteb_tasks
from embedboard.runners.store.results_store import ResultsStore
from embedboard.tasks.suites import get_suite


def _encoder(folder, cache, **card_overrides):
    instructions = card_overrides.pop("instructions", None)
    card = get_card(str(folder), **card_overrides)
    return load_adapter(
        card, device="cpu", cache_dir=str(cache), show_progress=False, instructions=instructions
    )


def _run(encoder, results, mirror, log=None, **kwargs):
    tasks = get_suite("smoke").mteb_tasks(["STS16"])
    echo = log.append if log is not None else (lambda *_: None)
    return run_mteb_tasks(
        encoder, tasks, results_root=results, data_dir=str(mirror), echo=echo, **kwargs
    )


@pytest.fixture
def finished(tiny_st_dir, mirror, tmp_path):
    """STS16 done once with the tiny sentence-transformers model: (results folder, cache folder)."""
    results, cache = tmp_path / "results", tmp_path / "cache"
    assert [o.status for o in _run(_encoder(tiny_st_dir, cache), results, mirror)] == ["done"]
    return results, cache


def _store(encoder, results):
    return ResultsStore(results, encoder.card.result_name, encoder.card.revision)


def test_same_settings_skip_and_the_record_holds_the_fingerprint(tiny_st_dir, mirror, finished):
    results, cache = finished
    encoder = _encoder(tiny_st_dir, cache)
    log: list[str] = []
    assert [o.status for o in _run(encoder, results, mirror, log)] == ["skipped"]
    assert log[0].startswith("skip  STS16") and "same settings" in log[0]
    settings = _store(encoder, results).read_run_record("STS16")["settings"]
    assert (
        settings["pooling"] == "mean"
        and settings["max_length"] == 64
        and settings["dtype"] == "fp32"
    )
    assert settings["revision"] == encoder.card.revision and settings["mteb"].startswith("2.")
    assert settings["data"].startswith("local:") and settings["instruction.symmetric"] is None


def test_other_instructions_stop_the_rerun_with_what_changed(
    tiny_st_dir, mirror, finished, tmp_path
):
    results, cache = finished
    table = tmp_path / "mine.yaml"
    table.write_text("name: mine\napplies_to: [symmetric]\ndefault: 'Represent this sentence: '\n")
    with pytest.raises(EmbedboardError) as err:
        _run(_encoder(tiny_st_dir, cache, instructions=str(table)), results, mirror)
    message = str(err.value)
    assert "instruction.symmetric: None -> 'Represent this sentence: '" in message
    assert "--overwrite" in message and "--results" in message and "\n" not in message


def test_other_max_length_stops_the_rerun_and_overwrite_redoes_it(tiny_st_dir, mirror, finished):
    results, cache = finished
    shorter = _encoder(tiny_st_dir, cache, max_length=16)
    with pytest.raises(EmbedboardError, match=r"max_length: 64 -> 16"):
        _run(shorter, results, mirror)
    outcomes = _run(shorter, results, mirror, overwrite=True)
    assert [o.status for o in outcomes] == ["done"]
    assert _store(shorter, results).read_run_record("STS16")["settings"]["max_length"] == 16


def test_records_from_older_code_are_checked_on_what_they_hold(tiny_st_dir, mirror, finished):
    results, cache = finished
    encoder = _store_path = None
    encoder = _encoder(tiny_st_dir, cache)
    _store_path = _store(encoder, results).side_folder / "runs" / "STS16.json"
    record = json.loads(_store_path.read_text())
    del record["settings"]  # what every record written before fingerprints looks like
    _store_path.write_text(json.dumps(record))

    log: list[str] = []
    assert [o.status for o in _run(encoder, results, mirror, log)] == ["skipped"]
    assert "older embedboard" in log[0] and "data" in log[0]  # says what it could not verify
    with pytest.raises(EmbedboardError, match=r"max_length: 64 -> 16"):
        _run(_encoder(tiny_st_dir, cache, max_length=16), results, mirror)

    _store_path.unlink()  # a result with no record at all (copied in from elsewhere)
    log.clear()
    assert [o.status for o in _run(encoder, results, mirror, log)] == ["skipped"]
    assert "no run record" in log[0] and "unverified" in log[0]


def test_a_torn_predictions_file_never_blocks_a_rerun(tiny_st_dir, mirror, finished):
    """mteb merges into an existing predictions file with json.load: a kill mid-write broke every re-run."""
    results, cache = finished
    encoder = _encoder(tiny_st_dir, cache)
    store = _store(encoder, results)
    predictions = store.predictions_folder() / "STS16_predictions.json"
    whole = predictions.read_text()
    predictions.write_text(whole[: len(whole) // 2])  # killed while mteb wrote it
    assert [o.status for o in _run(encoder, results, mirror, overwrite=True)] == ["done"]
    assert json.loads(predictions.read_text()) == json.loads(whole)

    predictions.write_text(whole[:100])
    store.task_path("STS16").unlink()  # killed before the task file: a plain re-run must resume
    assert [o.status for o in _run(encoder, results, mirror)] == ["done"]


def test_pooling_a_sentence_transformers_folder_cannot_change_is_refused(tiny_st_dir):
    with pytest.raises(EmbedboardError, match=r"--pooling cls cannot be applied.*\(mean\)"):
        get_card(str(tiny_st_dir), pooling="cls")
    assert get_card(str(tiny_st_dir), pooling="mean").pooling == "mean"  # the folder's own: fine
    with pytest.raises(EmbedboardError, match="--pooling cls cannot be applied"):
        get_card("all-MiniLM-L6-v2", pooling="cls")
    with pytest.raises(EmbedboardError, match="--pooling mean cannot be applied"):
        get_card("text-embedding-3-small", pooling="mean")


def test_a_card_whose_pooling_the_model_does_not_run_is_refused(tiny_st_dir):
    card = get_card(str(tiny_st_dir)).replace(pooling="cls")
    with pytest.raises(EmbedboardError, match="pools with mean"):
        load_adapter(card, device="cpu", show_progress=False)
