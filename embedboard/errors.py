"""One exception type for every mistake a user can fix, and the helper that names the fix."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class EmbedboardError(Exception):
    """A problem the user can fix; the CLI prints the message without a traceback."""


def closest_names(name: str, known: Iterable[str], n: int = 3) -> list[str]:
    """Closest registered names, case-insensitively, for "did you mean" hints."""
    known = list(dict.fromkeys(known))  # a name listed twice (card name and hub id) is one hint
    by_lower = {k.lower(): k for k in known}
    matches = [
        by_lower[m]
        for m in difflib.get_close_matches(name.lower(), list(by_lower), n=n, cutoff=0.5)
    ]
    substring = [k for k in known if name.lower() in k.lower() and k not in matches]
    return list(dict.fromkeys(matches + substring))[:n]


def unknown_name_error(
    kind: str, name: str, known: Iterable[str], listing_cmd: str
) -> EmbedboardError:
    """An error for an unknown model/task/suite that names the closest matches."""
    known = list(known)
    hints = closest_names(name, known)
    hint = f" Did you mean: {', '.join(hints)}?" if hints else ""
    return EmbedboardError(
        f"Unknown {kind} '{name}'.{hint} Run `{listing_cmd}` to list all {len(known)}."
    )
