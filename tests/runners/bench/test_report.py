"""The bench's arithmetic and Markdown, on a made-up record (no timing is asserted anywhere)."""

from __future__ import annotations

from embedboard.runners.bench.report import render_markdown, summarize


def _run(seconds: dict[str, float], score: float, rss: float, **extra: float) -> dict:
    return {
        "tasks": {
            t: {"seconds": s, "cpu_seconds": s * 1.5, "score": score, **extra}
            for t, s in seconds.items()
        },
        "peak_rss_mb": rss,
        "load_seconds": [1.0],
        "load_average": [2.0],
    }


def _record() -> dict:
    return {
        "started": "20260101T000000Z",
        "model": "m",
        "device": "cpu",
        "tasks": ["A", "B"],
        "machine": {
            "cpu_count": 2,
            "torch": "x",
            "mteb": "y",
            "sentence_transformers": "z",
            "uptime_start": "up",
        },
        "runs": {
            "plain": _run({"A": 10.0, "B": 30.0}, 0.72370, 900),
            "cold": _run({"A": 8.0, "B": 20.0}, 0.72371, 800, texts=100, tokens=2000),
            "warm": _run({"A": 0.2, "B": 0.6}, 0.72371, 700, texts=100, tokens=2000),
            "mrl": _run({"A": 8.5, "B": 21.0}, 0.72371, 800, texts=100, tokens=2000),
        },
        "api": {
            "rows": [
                {
                    "concurrency": 4,
                    "requests": 32,
                    "latency_s": 0.2,
                    "requests_per_s": 19.0,
                    "ideal_per_s": 20.0,
                    "ratio": 0.95,
                }
            ]
        },
    }


def test_ratios_targets_and_score_agreement() -> None:
    summary = summarize(_record())
    first = summary["rows"][0]
    assert (
        first["cold_vs_plain"] == 0.8
        and first["cold_texts_per_s"] == 12.5
        and first["cold_tokens_per_s"] == 250.0
    )
    assert first["scores_agree"] is True and abs(first["score_diff"] - 0.001) < 1e-9
    targets = summary["targets"]
    assert targets["cold_vs_plain"]["wall_ratio"] == 0.7 and targets["cold_vs_plain"]["met"]
    assert (
        targets["warm_vs_cold"]["wall_ratio"] == round(0.8 / 28, 4)
        and targets["warm_vs_cold"]["met"]
    )
    assert targets["mrl4_vs_cold"]["met"]
    assert summary["api_within_tolerance"] is True


def test_disagreeing_scores_are_flagged() -> None:
    record = _record()
    record["runs"]["cold"]["tasks"]["B"]["score"] = 0.7300
    summary = summarize(record)
    assert summary["scores_disagree"] == ["B"]
    record["summary"] = summary
    markdown = render_markdown(record)
    assert "Scores differ by more than 0.05 on: B" in markdown
    assert "| cold_vs_plain | 0.700 |" in markdown


def test_a_subset_of_variants_still_renders() -> None:
    record = _record()
    record["runs"] = {"cold": record["runs"]["cold"], "warm": record["runs"]["warm"]}
    record["summary"] = summarize(record)
    assert set(record["summary"]["targets"]) == {"warm_vs_cold"}
    assert "| warm |" in render_markdown(record)
