"""Fixtures for the task-type tests: folders named like real datasets, and a datasets cache of their own.

`datasets` caches a local folder by its name, so every test here loads through a tmp
`HF_DATASETS_CACHE`: the small folders built below never reach a developer's real cache.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.types import mirrors


@pytest.fixture(autouse=True)
def private_datasets_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    import datasets

    cache = tmp_path_factory.mktemp("hf-datasets-cache")
    monkeypatch.setenv("HF_DATASETS_CACHE", str(cache))
    monkeypatch.setattr(
        datasets.config, "HF_DATASETS_CACHE", str(cache)
    )  # read at load time, after import
    return cache


@pytest.fixture(scope="session")
def built_mirror(tmp_path_factory: pytest.TempPathFactory, mirror: Path) -> Path:
    """One tmp mirror holding the four clustering/reranking folders, built from real shared texts."""
    return mirrors.build_all(tmp_path_factory.mktemp("types-mirror"), mirror)
