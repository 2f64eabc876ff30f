"""A mirror folder is loaded for what it is (issue 12, must-have 10).

`datasets` caches a local folder by its name: a rebuilt mirror, or another folder with the
same name, silently gave back the first version's rows. Real STS16 rows, copied and cut.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from embedboard.errors import EmbedboardError
from embedboard.models.registry import get_card, load_adapter
from embedboard.runners.data.mirror_cache import MIRROR_CACHE_ENV
from embedboard.runners.mteb.runner import run_mteb_tasks
from embedboard.runners.store.results_store import ResultsStore
from embedboard.tasks.suites import get_suite

HF_PATH = Path("mteb") / "sts16-sts"


def _copy(mirror: Path, data_dir: Path, keep_rows: int | None = None) -> Path:
    """A mirror holding STS16, optionally cut to its first `keep_rows` pairs."""
    folder = data_dir / HF_PATH
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(mirror / HF_PATH, folder)
    if keep_rows is not None:
        rows = (folder / "data" / "test.jsonl").read_text(encoding="utf-8").splitlines()[:keep_rows]
        (folder / "data" / "test.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder


def _run(encoder, data_dir: Path, results: Path, **kwargs) -> int:
    """Run STS16 from `data_dir` and return how many pairs the written items hold."""
    tasks = get_suite("smoke").mteb_tasks(["STS16"])
    run_mteb_tasks(
        encoder, tasks, results_root=results, data_dir=str(data_dir), echo=lambda *_: None, **kwargs
    )
    store = ResultsStore(results, encoder.card.result_name, encoder.card.revision)
    return len((store.side_folder / "items" / "STS16.jsonl").read_text().splitlines())


def test_changed_or_swapped_mirror_folders_are_read_again(tiny_st_dir, mirror, tmp_path):
    encoder = load_adapter(
        get_card(str(tiny_st_dir)),
        device="cpu",
        cache_dir=str(tmp_path / "cache"),
        show_progress=False,
    )
    results = tmp_path / "results"
    first, second = tmp_path / "first", tmp_path / "second"
    _copy(mirror, first)
    assert _run(encoder, first, results) == 1186

    folder = _copy(mirror, first, keep_rows=100)  # the mirror is rebuilt in place
    with pytest.raises(EmbedboardError, match=r"data: 'local:[0-9a-f]+' -> 'local:[0-9a-f]+'"):
        _run(encoder, first, results)  # the old score is not reused for the new data
    assert _run(encoder, first, results, overwrite=True) == 100
    record = ResultsStore(results, encoder.card.result_name, encoder.card.revision).read_run_record(
        "STS16"
    )
    assert record["data_source"]["location"] == str(folder.resolve())
    assert record["settings"]["data"] == "local:" + record["data_source"]["content_sha256"][:16]

    _copy(mirror, second, keep_rows=40)  # another folder with the same name
    assert _run(encoder, second, tmp_path / "results-2") == 40
    assert _run(encoder, first, tmp_path / "results-3") == 100  # and the first is still itself


def test_mirror_loads_never_touch_the_default_datasets_cache(tiny_st_dir, mirror, tmp_path):
    encoder = load_adapter(get_card(str(tiny_st_dir)), device="cpu", show_progress=False)
    _copy(mirror, tmp_path / "data", keep_rows=30)
    default_cache = Path(os.environ["HF_DATASETS_CACHE"])
    before = set(default_cache.rglob("*")) if default_cache.exists() else set()
    assert _run(encoder, tmp_path / "data", tmp_path / "results") == 30
    after = set(default_cache.rglob("*")) if default_cache.exists() else set()
    assert after == before
    own = [p.name for p in Path(os.environ[MIRROR_CACHE_ENV]).iterdir()]
    assert any(name.startswith("sts16-sts-") for name in own)


def test_items_count_matches_the_cut_folder_rows(mirror, tmp_path):
    folder = _copy(mirror, tmp_path / "data", keep_rows=7)
    rows = [json.loads(line) for line in (folder / "data" / "test.jsonl").read_text().splitlines()]
    assert len(rows) == 7  # the helper really cuts the copy (guards the tests above)
