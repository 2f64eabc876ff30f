"""Bare `pytest` runs the fast set only; `make test` (CI) still runs every test, slow ones too.

Checked by reading the loaded config rather than by running pytest again: the rule is data
in pyproject.toml and the Makefile, and a second collection would cost half a minute.
"""

from __future__ import annotations

import re

import pytest

from tests.support.paths import REPO


def _make_recipe(target: str) -> str:
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    match = re.search(rf"^{re.escape(target)}:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert match, f"no `{target}` target in the Makefile"
    return match.group(1)


def test_bare_pytest_deselects_slow_tests_and_rejects_unknown_markers(
    pytestconfig: pytest.Config,
) -> None:
    options = pytestconfig.getini("addopts")
    assert "--strict-markers" in options
    assert options[options.index("-m") + 1] == "not slow"


def test_the_slow_marker_is_declared_and_says_what_runs_it(pytestconfig: pytest.Config) -> None:
    (slow,) = [m for m in pytestconfig.getini("markers") if m.startswith("slow:")]
    assert "make test" in slow


def test_make_test_runs_everything_and_test_fast_the_fast_set() -> None:
    assert '-m "slow or not slow"' in _make_recipe("test")
    assert '-m "not slow"' in _make_recipe("test-fast")
