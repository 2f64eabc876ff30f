"""Shared fixtures: a tiny random BERT written by the test itself (no download), and paths to shared data."""

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

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
MIRROR = SHARED / "mteb-mirror"
REFERENCE = SHARED / "reference"

WORDS = (
    "the a an of to and in is was for on with as by at from that this it be are were his her "
    "he she they we you i not but or all can will one two three man woman dog cat car bank money "
    "play plays playing running ran runs eat eats food water fire red blue green big small good bad "
    "question answer claim evidence study cell protein gene virus patient drug effect risk increase"
).split()


def write_tiny_bert(
    folder: Path, *, sentence_transformers: bool = False, pooling: str = "mean"
) -> Path:
    """A 2-layer, 32-wide BERT with a vocab we write: deterministic weights, seconds to build."""
    import torch
    from transformers import BertConfig, BertModel, BertTokenizerFast

    folder.mkdir(parents=True, exist_ok=True)
    vocab = [
        "[PAD]",
        "[UNK]",
        "[CLS]",
        "[SEP]",
        "[MASK]",
        *WORDS,
        *[f"##{c}" for c in "abcdefghijklmnopqrstuvwxyz"],
        *"abcdefghijklmnopqrstuvwxyz.,!?':",
    ]
    (folder / "vocab.txt").write_text("\n".join(dict.fromkeys(vocab)) + "\n", encoding="utf-8")
    tokenizer = BertTokenizerFast(vocab=str(folder / "vocab.txt"), do_lower_case=True)
    assert tokenizer.tokenize("the dog") == ["the", "dog"], "tiny vocab did not load"
    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
    )
    model = BertModel(config).eval()
    if not sentence_transformers:
        model.save_pretrained(folder)
        tokenizer.save_pretrained(folder)
        return folder
    from sentence_transformers import SentenceTransformer, models

    hf_folder = folder.parent / f"{folder.name}-hf"
    model.save_pretrained(hf_folder)
    tokenizer.save_pretrained(hf_folder)
    transformer = models.Transformer(str(hf_folder), max_seq_length=64)
    pool = models.Pooling(transformer.get_embedding_dimension(), pooling_mode=pooling)
    SentenceTransformer(modules=[transformer, pool, models.Normalize()]).save(str(folder))
    return folder


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
