"""Regenerate the tables a README marks with `<!-- embedboard:SUITE:start -->` ... `:end -->`.

Only the text between a pair of markers changes, so running twice changes nothing, and the
file is written atomically (and only when its text changed).
"""

from __future__ import annotations

import re
from pathlib import Path

from embedboard.atomic import atomic_write_text
from embedboard.errors import EmbedboardError

START = "<!-- embedboard:{suite}:start -->"
END = "<!-- embedboard:{suite}:end -->"
START_RE = re.compile(r"<!-- embedboard:(?P<suite>[^:\s]+):start -->")


def marked_suites(text: str) -> list[str]:
    """Suites the text has start markers for, in order of appearance."""
    return list(dict.fromkeys(m.group("suite") for m in START_RE.finditer(text)))


def replace_section(text: str, suite: str, body: str, source: str = "README") -> str:
    """The text with the suite's marked section replaced by `body`; a clear error if markers are wrong."""
    start, end = START.format(suite=suite), END.format(suite=suite)
    n_start, n_end = text.count(start), text.count(end)
    if n_start == 0 or n_end == 0:
        raise EmbedboardError(
            f"{source} has no {'start' if n_start == 0 else 'end'} marker for suite {suite}. "
            f"Add these two lines where the table should go:\n{start}\n{end}"
        )
    if n_start > 1 or n_end > 1:
        raise EmbedboardError(
            f"{source} has more than one {start} / {end} pair; keep one per suite."
        )
    head, rest = text.split(start, 1)
    if end not in rest:
        raise EmbedboardError(
            f"{source}: the end marker {end} comes before the start marker {start}."
        )
    _, tail = rest.split(end, 1)
    return f"{head}{start}\n{body.strip(chr(10))}\n{end}{tail}"


def update_readme(path: str | Path, bodies: dict[str, str]) -> bool:
    """Replace every given suite's section; write atomically if anything changed. Returns whether it did."""
    path = Path(path)
    if not path.is_file():
        raise EmbedboardError(f"README file {path} does not exist.")
    original = path.read_text(encoding="utf-8")
    text = original
    for suite, body in bodies.items():
        text = replace_section(text, suite, body, source=str(path))
    if text == original:
        return False
    atomic_write_text(path, text)
    return True
