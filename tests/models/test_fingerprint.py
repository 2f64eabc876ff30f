"""A checkpoint's revision is a hash of all of it (issue 12, must-have 9).

A checkpoint whose middle layer changed keeps neither its revision nor its cached vectors;
the cache's own checks are in test_embedding_cache_checksums.py.
"""

from __future__ import annotations

import torch
from safetensors.torch import load_file, save_file

from embedboard import file_hashes
from embedboard.models.fingerprint import checkpoint_revision
from embedboard.models.registry import get_card


def _big_checkpoint(folder):
    """A 6 MiB weights file: the old hash read only its first and last MiB."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text('{"model_type": "bert"}')
    torch.manual_seed(0)
    tensors = {
        "a.first": torch.randn(1 << 18),
        "b.middle": torch.randn(1 << 18),
        "c.last": torch.randn(1 << 18),
    }
    save_file(tensors, str(folder / "model.safetensors"))
    return folder


def test_a_scaled_middle_layer_is_a_new_revision(tmp_path):
    folder = _big_checkpoint(tmp_path / "ckpt")
    before = checkpoint_revision(folder)
    weights = load_file(str(folder / "model.safetensors"))
    weights["b.middle"] = (
        weights["b.middle"] * 1.01
    )  # same shapes, same file size, same head and tail
    size = (folder / "model.safetensors").stat().st_size
    save_file(weights, str(folder / "model.safetensors"))
    assert (folder / "model.safetensors").stat().st_size == size
    assert checkpoint_revision(folder) != before


def test_a_checkpoint_is_hashed_once_and_the_memo_lives_outside_it(tmp_path, monkeypatch):
    memo = tmp_path / "memo" / "hashes.sqlite"
    monkeypatch.setenv(file_hashes.MEMO_ENV, str(memo))
    folder = _big_checkpoint(tmp_path / "ckpt")
    reads: list[str] = []
    real = file_hashes._hash_bytes
    monkeypatch.setattr(
        file_hashes, "_hash_bytes", lambda path: reads.append(path.name) or real(path)
    )
    first = checkpoint_revision(folder)
    assert sorted(reads) == ["config.json", "model.safetensors"]
    assert checkpoint_revision(folder) == first and len(reads) == 2  # the memo answered
    (folder / "config.json").write_text('{"model_type": "bert", "x": 1}')
    assert checkpoint_revision(folder) != first and reads[2:] == [
        "config.json"
    ]  # only the changed file
    assert memo.exists() and not list(folder.glob("*.sqlite*"))


def test_a_plain_checkpoints_revision_changes_with_a_middle_layer(tiny_bert_dir, tmp_path):
    """The same, end to end through the card a user's `--model <folder>` gets."""
    import shutil

    folder = tmp_path / "tiny"
    shutil.copytree(tiny_bert_dir, folder)
    before = get_card(str(folder), pooling="mean").revision
    weights = load_file(str(folder / "model.safetensors"))
    name = next(k for k in weights if "layer.1.attention.self.query.weight" in k)
    weights[name] = weights[name] * 1.5
    save_file(weights, str(folder / "model.safetensors"), metadata={"format": "pt"})
    assert get_card(str(folder), pooling="mean").revision != before
