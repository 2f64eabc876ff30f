"""Give every MRL dim the random state a fresh evaluation would see.

mteb tasks keep random generators on the task object (`rng_state`, `np_rng`), seeded when
the task is built, and some evaluations draw from them: the fast clustering tasks (`.v2`,
hierarchical) sample their documents and bootstrap sets from `rng_state`, multilabel
classification shuffles with `np_rng`. The runner evaluates every dim on one loaded task
object, so without this each dim after the first would draw another sample (and a resumed
run, which skips the dims already done, would draw yet another). We therefore:

1. `reseed` the runner's own copy of the task before loading, as `AbsTask.__init__` seeds a
   new task: the copy shares its generators with mteb's benchmark object, which an earlier
   run in the process may have advanced;
2. `capture` every generator the loaded task holds (loading may draw from them too, as a
   fresh load would);
3. `restore` that snapshot before each dim, as fresh generator objects.

Data is never reloaded and nothing is re-encoded: only generator states are copied.
"""

from __future__ import annotations

import copy
import random
from typing import Any

import numpy as np

GENERATOR_TYPES = (random.Random, np.random.Generator, np.random.RandomState)

RandomSnapshot = dict[str, Any]


def reseed(task: Any) -> None:
    """Fresh generators on `task` (own objects, never the shared ones), seeded as mteb seeds a new task."""
    seed = getattr(task, "seed", None)
    if seed is None:
        return
    if hasattr(task, "rng_state"):
        task.rng_state = random.Random(seed)
    if hasattr(task, "np_rng"):
        task.np_rng = np.random.default_rng(seed)


def capture(task: Any) -> RandomSnapshot:
    """Copies of every random generator held in `task`'s attributes, whatever the task type."""
    return {
        name: copy.deepcopy(value)
        for name, value in vars(task).items()
        if isinstance(value, GENERATOR_TYPES)
    }


def restore(task: Any, snapshot: RandomSnapshot) -> None:
    """Put the captured states back as new objects, so the snapshot itself is never advanced."""
    for name, generator in snapshot.items():
        setattr(task, name, copy.deepcopy(generator))
