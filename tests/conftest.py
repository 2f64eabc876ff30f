"""Fixtures shared across the test tree; builders and fake servers live in tests/support.

This file also points every cache at a scratch folder before anything imports `datasets`.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

# Tests never write into the user's caches: datasets' default cache (where a fixture folder
# named like a real dataset would poison later real runs), embedboard's mirror caches, file
# hash memo and embedding cache all live in one scratch folder for the session. Set before
# `datasets` is imported, which reads HF_DATASETS_CACHE once.
_SCRATCH = Path(tempfile.mkdtemp(prefix="embedboard-tests-"))
atexit.register(shutil.rmtree, _SCRATCH, ignore_errors=True)
os.environ["HF_DATASETS_CACHE"] = str(_SCRATCH / "hf-datasets")
os.environ["EMBEDBOARD_MIRROR_CACHE"] = str(_SCRATCH / "mirrors")
os.environ["EMBEDBOARD_HASH_MEMO"] = str(_SCRATCH / "file-hashes.sqlite")
os.environ["EMBEDBOARD_CACHE_DIR"] = str(_SCRATCH / "embeddings")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# Tiny test models gain nothing from a second thread, and lose a lot when cores are busy.
os.environ.setdefault("EMBEDBOARD_THREADS", "1")

from tests.support.paths import MIRROR, REFERENCE, REFERENCE_RESULTS, REPO, SHARED  # noqa: E402
from tests.support.tiny_models import WORDS, write_tiny_bert  # noqa: E402

# Re-exported for tests that import them from here (new tests: import from tests.support).
__all__ = ["MIRROR", "REFERENCE", "REPO", "SHARED", "WORDS", "write_tiny_bert"]


@pytest.fixture(scope="session")
def tiny_bert_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_bert(tmp_path_factory.mktemp("tiny") / "tiny-bert")


@pytest.fixture(scope="session")
def tiny_st_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_bert(tmp_path_factory.mktemp("tiny") / "tiny-st", sentence_transformers=True)


@pytest.fixture(scope="session")
def mirror() -> Path:
    if not MIRROR.is_dir():
        pytest.fail(f"{MIRROR} is missing: the tests need ../shared beside the checkout.")
    return MIRROR.resolve()  # ../shared may be a symlink; the runner records resolved folders


@pytest.fixture
def reference() -> Path:
    """mteb's official result files in ../shared/reference/results."""
    if not REFERENCE_RESULTS.is_dir():
        pytest.skip(f"reference results not found at {REFERENCE_RESULTS}")
    return REFERENCE_RESULTS


# BRIGHT runner and CLI tests: a small BRIGHT mirror in HF layout (tests/support/bright_mirror).
@pytest.fixture(scope="session")
def bright_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir D with D/xlangai/BRIGHT filled (biology, aops, pony)."""
    root = tmp_path_factory.mktemp("bright-data")
    from tests.support.bright_mirror import write_mirror

    write_mirror(root)
    return root


@pytest.fixture()
def datasets_cache(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A private datasets cache per test, so tests never touch (or depend on) the user's.

    Per test, not per session: `datasets` keys a local folder's cache on its README and the
    files' relative paths, so two different mirrors written by two tests could share an entry.
    """
    return str(tmp_path_factory.mktemp("hf-datasets-cache"))


# CLI tests: run main() in-process and read its one error line.
@pytest.fixture
def fails(capsys: pytest.CaptureFixture[str]):  # noqa: ANN201
    """Run main(ARGV) in-process; assert exit 2 and exactly one error line; return that line."""

    from embedboard.cli.main import main
    from tests.support.cli_runs import error_line

    def run(*argv: str) -> str:
        try:
            code = main(list(argv))
        except SystemExit as exit_:  # argparse mistakes exit from inside parse_args
            code = exit_.code
        assert code == 2, capsys.readouterr()
        return error_line(capsys.readouterr().err)

    return run


@pytest.fixture
def no_model_load(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if the CLI gets as far as loading a model."""
    import embedboard.cli.request

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("the model was loaded although a cheap check should have failed first")

    monkeypatch.setattr(embedboard.cli.request, "load_encoder", refuse)


# Task-type tests: folders named like real datasets, built from real shared texts.
@pytest.fixture
def private_datasets_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A datasets cache of this test's own (`datasets` caches a local folder by its name).

    Modules that build folders named like real datasets use it for every test:
    `pytestmark = pytest.mark.usefixtures("private_datasets_cache")`.
    """
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
    from tests.support import type_mirrors

    return type_mirrors.build_all(tmp_path_factory.mktemp("types-mirror"), mirror)
