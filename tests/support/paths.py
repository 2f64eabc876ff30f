"""Where the checkout and the shared data are: `../shared` beside the checkout (see the README)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
MIRROR = SHARED / "mteb-mirror"
REFERENCE = SHARED / "reference"
# Official mteb result files (reports tests); a worktree elsewhere falls back to /work/shared.
REFERENCE_RESULTS = REFERENCE / "results"
if not REFERENCE_RESULTS.is_dir():
    REFERENCE_RESULTS = Path("/work/shared/reference/results")
