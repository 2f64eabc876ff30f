"""Names that become folder or file names (a card's revision, a model or task name) stay inside their folder.

A card's `revision: ../../../x` once wrote results outside `--results`; every writer checks
the parts it joins with this one function.
"""

from __future__ import annotations

from embedboard.errors import EmbedboardError


def check_path_part(value: str, what: str, *, allow_slash: bool = False) -> str:
    """Refuse a value that would leave its folder when used as a path part: `..`, `/x`, `a\\b`, NUL.

    `allow_slash` admits "org/name" (the writer turns "/" into "__"), never ".." as a segment.
    """
    segments = value.split("/") if allow_slash else [value]
    bad = (
        not value
        or "\\" in value
        or "\0" in value
        or value.startswith("/")
        or any(segment in {"", ".", ".."} for segment in segments)
        or (not allow_slash and "/" in value)
    )
    if bad:
        raise EmbedboardError(
            f"{what} {value!r} cannot be used as a folder name (no '..', '/', '\\' or empty parts); fix it."
        )
    return value
