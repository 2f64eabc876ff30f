"""Tiny random models written by the tests themselves (no download): deterministic, seconds to build."""

from __future__ import annotations

from pathlib import Path

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
