"""mteb's leaderboard rank: a Borda count over tasks, with the same ties and missing-task rules."""

from __future__ import annotations


def borda_ranks(rows: list[dict[str, float | None]]) -> list[int]:
    """mteb's leaderboard rank (`mteb.benchmarks._create_table._borda_rank_from_long`).

    Per task, models are ranked by score (ties share the average rank) and earn
    `n_models - rank` points; a missing task earns 0. Rank 1 has the most points; ties share
    the best rank ("min").
    """
    n_models = len(rows)
    points = [0.0] * n_models
    for task in sorted(
        {t for row in rows for t in row}
    ):  # fixed order: float sums, and so ties, never vary
        scored = sorted(
            ((row[task], i) for i, row in enumerate(rows) if row.get(task) is not None),
            key=lambda si: -si[0],
        )
        position = 0
        while position < len(scored):
            tied = [i for score, i in scored if score == scored[position][0]]
            average_rank = position + (len(tied) + 1) / 2
            for i in tied:
                points[i] += n_models - average_rank
            position += len(tied)
    return [1 + sum(1 for other in points if other > mine) for mine in points]
