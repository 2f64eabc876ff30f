"""Reading the YAML files users write (cards, suites, instruction tables): a syntax error is one
line naming the file, line and column, not PyYAML's five lines about "<unicode string>"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from embedboard.errors import EmbedboardError


def yaml_problem(err: yaml.YAMLError, path: Path | str) -> str:
    """ "FILE, line L, column C: PROBLEM" for a PyYAML error."""
    mark = getattr(err, "problem_mark", None)
    where = f"{path}, line {mark.line + 1}, column {mark.column + 1}" if mark else str(path)
    problem = getattr(err, "problem", None) or str(err).splitlines()[0]
    return f"{where}: {problem}"


def read_yaml(path: Path | str, what: str = "") -> Any:
    """Parse a YAML file; errors (syntax, unreadable file) become one `EmbedboardError` line."""
    path = Path(path)
    label = f"{what} {path}".strip()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise EmbedboardError(
            f"{label} cannot be read ({getattr(err, 'strerror', None) or err})."
        ) from err
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise EmbedboardError(
            f"{what + ' ' if what else ''}{yaml_problem(err, path)}; not valid YAML, fix the file."
        ) from err
