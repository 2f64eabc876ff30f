"""Models without editing the package: user card folders, `cards validate`, hub ids and
servers given by flags alone, the probe, provenance (fake server; the real one is in test_openai_adapter_infinity.py)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from embedboard.cli.main import main
from embedboard.errors import EmbedboardError
from embedboard.models.adhoc_cards import card_for_api
from embedboard.models.card_lookup import find_card
from embedboard.models.card_schema import FIELDS, OPTIONS
from embedboard.models.probe import compare, probe_texts
from embedboard.models.protocol import TaskContext
from embedboard.models.registry import load_adapter
from embedboard.models.user_cards import set_card_dirs
from tests.support.fake_api import FAST_RETRIES
from tests.support.fake_embedding_server import FakeEmbeddingServer

REPO = Path(__file__).resolve().parents[2]
STS = TaskContext(name="STS12", type="STS")
CARD = """- name: my-served-model
  adapter: openai
  source: served-a
  max_length: 64
  options: {api_base: "http://127.0.0.1:9/v1"}
"""


@pytest.fixture(autouse=True)
def _no_card_dirs(monkeypatch):  # noqa: ANN001, ANN202
    monkeypatch.delenv("EMBEDBOARD_CARDS", raising=False)
    set_card_dirs(None)
    yield
    set_card_dirs(None)


@pytest.fixture
def open_server():  # noqa: ANN201 -- a self-hosted server: no key, two models of the same size
    with FakeEmbeddingServer(
        api_key=None, models={"served-a": 96, "served-b": 96}, lifetime_s=120
    ) as running:
        yield running


def test_cards_from_flag_and_environment_folders(tmp_path, monkeypatch) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir(), two.mkdir()
    (one / "a.yaml").write_text(CARD)
    (two / "b.yml").write_text(
        CARD.replace("my-served-model", "other").replace("served-a", "served-b")
    )
    monkeypatch.setenv("EMBEDBOARD_CARDS", str(two))
    set_card_dirs([str(one)])
    assert (
        find_card("my-served-model").source == "served-a"
        and find_card("other").source == "served-b"
    )
    (two / "c.yaml").write_text(CARD)
    with pytest.raises(EmbedboardError, match=r"defined in both .*a.yaml and .*c.yaml"):
        find_card("other")


def test_eval_and_probe_flags_reach_the_card_folders(tmp_path) -> None:
    from embedboard.cli.main import build_parser
    from embedboard.cli.request import model_request, resolve_card

    (tmp_path / "a.yaml").write_text(CARD)
    for verb in ("eval", "plan", "probe"):
        args = build_parser().parse_args([verb, "--cards", str(tmp_path), "-m", "my-served-model"])
        assert resolve_card(model_request(args)).source == "served-a"


def test_a_user_card_replaces_a_packaged_one(tmp_path) -> None:
    (tmp_path / "mine.yaml").write_text(
        "name: all-MiniLM-L6-v2\nadapter: sentence-transformers\nsource: /my/copy\nmax_length: 128\n"
    )
    set_card_dirs([str(tmp_path)])
    assert find_card("all-MiniLM-L6-v2").max_length == 128


def test_cards_validate_names_the_file_field_and_fix(tmp_path, capsys) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(CARD)
    assert main(["cards", "validate", str(good)]) == 0
    assert "1 card(s) valid: my-served-model" in capsys.readouterr().out
    cases = {
        "unknown field": (CARD + "  colour: red\n", r"unknown field `colour`"),
        "bad type": (
            CARD.replace("max_length: 64", "max_length: many"),
            r"`max_length` must be a positive integer",
        ),
        "a key in a card": (
            CARD.replace("{api_base", "{api_key: sk-123, api_base"),
            r"never holds a key",
        ),
        "yaml syntax": ("- name: [\n", r"YAML syntax error at line 2"),
        "bad adapter": (
            CARD.replace("adapter: openai", "adapter: opneai"),
            r"unknown adapter 'opneai'",
        ),
    }
    for label, (text, words) in cases.items():
        bad = tmp_path / f"{label.replace(' ', '_')}.yaml"
        bad.write_text(text)
        assert main(["cards", "validate", str(bad)]) == 2, label
        err = capsys.readouterr().err
        assert (
            err.startswith("embedboard: error: Card file " + str(bad)) and err.count("\n") == 1
        ), err
        assert __import__("re").search(words, err), (label, err)
        assert "sk-123" not in err


def test_cards_ls_shows_where_each_card_comes_from(tmp_path, capsys) -> None:
    (tmp_path / "a.yaml").write_text(CARD)
    assert main(["cards", "ls", "--cards", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "all-MiniLM-L6-v2" in out and "(package)" in out and str(tmp_path / "a.yaml") in out


def test_the_card_format_document_covers_every_field() -> None:
    doc = (REPO / "docs" / "cards.md").read_text()
    for name in [*FIELDS, *OPTIONS]:
        assert f"`{name}`" in doc, name


def test_a_hub_id_without_a_card_runs_as_sentence_transformers() -> None:
    card = find_card("intfloat/e5-small-v2")
    assert (card.adapter, card.source, card.result_name) == (
        "sentence-transformers",
        "intfloat/e5-small-v2",
        "intfloat/e5-small-v2",
    )
    assert card.options.get("announce")
    with pytest.raises(EmbedboardError, match="Unknown model 'no-such-model'"):
        find_card("no-such-model")


def test_a_card_less_folder_says_its_pooling_and_instructions(tiny_st_dir, capsys) -> None:
    model = load_adapter(find_card(str(tiny_st_dir)), device="cpu", show_progress=False)
    err = capsys.readouterr().err
    assert model.card.adapter == "sentence-transformers"
    line = [entry for entry in err.splitlines() if "no card" in entry]
    assert len(line) == 1 and "pooling mean" in line[0] and "instructions none" in line[0]


def test_a_server_by_flags_alone_learns_its_dimension_and_records_provenance(open_server) -> None:
    card = card_for_api(open_server.url, "served-a")
    assert (
        card.dim is None
        and card.result_name == "served/served-a"
        and card.revision.startswith("served-127.0.0.1_")
    )
    model = load_adapter(card, retry_policy=FAST_RETRIES, show_progress=False)
    vectors = model.encode(["a cat", "a dog"], STS, None)
    assert vectors.shape == (2, 96) and model.card.dim == 96
    assert "Authorization" not in str(open_server.log)
    server = model.stats.extra["server"]
    assert server["address"] == open_server.url and server["version"] == {"version": "fake-0.1"}
    assert [m["id"] for m in server["models"]["data"]] == [
        "doubao-embedding-large-text-250515",
        "doubao-embedding-vision-250615",
        "served-a",
        "served-b",
        "text-embedding-3-large",
        "text-embedding-3-small",
    ]
    assert model.stats.extra["served_model"] == "served-a"


def test_a_wrong_dim_flag_stops_at_the_first_response(open_server) -> None:
    model = load_adapter(
        card_for_api(open_server.url, "served-a", dim=384),
        retry_policy=FAST_RETRIES,
        show_progress=False,
    )
    with pytest.raises(
        EmbedboardError, match=r"dimension 96, but 384 were expected.*--dim"
    ) as caught:
        model.encode(["a cat"], STS, None)
    assert "served-a" in str(caught.value) and open_server.url in str(caught.value)
    assert len(open_server.log) == 1


def test_an_unknown_served_model_is_one_404_line_listing_the_fix(open_server) -> None:
    model = load_adapter(
        card_for_api(open_server.url, "servd-a"), retry_policy=FAST_RETRIES, show_progress=False
    )
    with pytest.raises(EmbedboardError, match=r"HTTP 404.*--api-model.*/v1/models"):
        model.encode(["a cat"], STS, None)
    assert len([e for e in open_server.log if e.get("path", "").endswith("/embeddings")]) == 1


def test_request_fields_reach_the_server(open_server) -> None:
    card = card_for_api(open_server.url, "served-a")
    card = card.replace(options={**card.options, "request_fields": {"truncate_prompt_tokens": 256}})
    load_adapter(card, retry_policy=FAST_RETRIES, show_progress=False).encode(["a cat"], STS, None)
    assert open_server.ok_requests()[0]["raw_body"]["truncate_prompt_tokens"] == 256


def test_the_probe_passes_for_the_same_model_and_refuses_another(open_server, capsys) -> None:
    def adapter(name: str):  # noqa: ANN202
        return load_adapter(
            card_for_api(open_server.url, name), retry_policy=FAST_RETRIES, show_progress=False
        )

    same = compare(adapter("served-a"), adapter("served-a"))
    assert same.passed and same.texts == len(probe_texts()) == 48 and same.max_abs_delta == 0
    other = compare(adapter("served-a"), adapter("served-b"))
    assert not other.passed and other.min_cosine < 0.999
    url = open_server.url
    assert (
        main(
            [
                "probe",
                "--api-base",
                url,
                "--api-model",
                "served-a",
                "--against",
                "no-such-reference",
            ]
        )
        == 2
    )
    code = main(
        [
            "probe",
            "--api-base",
            url,
            "--api-model",
            "served-a",
            "--against",
            "all-MiniLM-L6-v2",
            "--device",
            "cpu",
        ]
    )
    captured = capsys.readouterr()
    assert code == 2 and "FAIL" not in captured.err
    assert (
        "96-dim" in captured.err and "384-dim" in captured.err
    )  # a different model, named in one line


def test_probe_texts_are_real_and_include_long_documents() -> None:
    texts = probe_texts()
    assert len(set(texts)) == len(texts) == 48 and all(t.strip() for t in texts)
    assert max(len(t) for t in texts) > 2000 and any(
        "\u4e00" <= ch <= "\u9fff" for t in texts for ch in t
    )


def test_provenance_never_records_the_key(monkeypatch) -> None:
    from embedboard.models.server_info import fetch_server_info

    secret = "sk-PROVENANCE-0123456789"
    with FakeEmbeddingServer(api_key=secret, models={"k": 8}) as running:
        info = fetch_server_info(running.url, secret)
    assert secret not in json.dumps(info)
    assert np.isfinite(len(info))


def test_truncations_are_counted_by_the_served_models_tokenizer_or_declared_unknown(
    open_server,
) -> None:
    from embedboard.models.api_tokens import TokenCounter

    texts = [
        "a short one",
        "a much longer text that goes well past eight word pieces of the tokenizer",
    ]
    blind = load_adapter(
        card_for_api(open_server.url, "served-a", max_length=8),
        retry_policy=FAST_RETRIES,
        show_progress=False,
    )
    blind.encode(texts, STS, None)
    assert (
        blind.stats.as_dict()["truncated"] is None
        and "unknown" in blind.stats.extra["truncation_by"]
    )
    assert sorted(open_server.texts_sent()) == sorted(texts)  # sent whole: never cut on a guess

    open_server.log.clear()
    exact = load_adapter(
        card_for_api(
            open_server.url,
            "served-a",
            max_length=8,
            tokenizer="sentence-transformers/all-MiniLM-L6-v2",
        ),
        retry_policy=FAST_RETRIES,
        show_progress=False,
    )
    exact.encode(texts, STS, None)
    counter = TokenCounter("sentence-transformers/all-MiniLM-L6-v2", None)
    assert exact.stats.as_dict()["truncated"] == 1
    assert max(counter.count(t) for t in open_server.texts_sent()) == 8
    assert exact.stats.extra["input_tokens"] == counter.count(texts[0]) + 8
