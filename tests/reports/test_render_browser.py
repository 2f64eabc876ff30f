"""The HTML leaderboard in a real browser: headless Chromium loads the page, runs its sort script,
and takes a screenshot that is checked for content.

Chromium is a system package (`apt-get install chromium`; `.ci/run` installs it). Where it is
absent the test is skipped with that reason, unless EMBEDBOARD_REQUIRE_BROWSER=1 (CI) makes
that a failure.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from embedboard.cli.report import main

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def browser() -> str:
    found = next((shutil.which(name) for name in BROWSERS if shutil.which(name)), None)
    if found is None:
        if os.environ.get("EMBEDBOARD_REQUIRE_BROWSER") == "1":
            pytest.fail(
                "EMBEDBOARD_REQUIRE_BROWSER=1 but no chromium on PATH; `apt-get install chromium`."
            )
        pytest.skip("no chromium on PATH (`apt-get install chromium` to run the browser test)")
    return found


def _chromium(browser: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "chromium-profile"
    # Chromium's own caches and crash files go to tmp too, never the user's home.
    home = {
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    return subprocess.run(
        [browser, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **home},
    )


def _first_table_models(dom: str) -> list[str]:
    first_table = dom.split('<table class="embedboard">')[1].split("</table>")[0]
    body = first_table.split("<tbody>")[1]
    return re.findall(r'rel="noopener">([^<]+)</a>', body)


def test_leaderboard_sorts_and_renders_in_chromium(browser, reference, tmp_path):
    page = tmp_path / "board.html"
    assert (
        main(
            [
                "report",
                "--suite",
                "mteb-eng-v2",
                "--results",
                str(reference),
                "--details",
                "--output",
                str(page),
            ]
        )
        == 0
    )
    url = page.resolve().as_uri()

    # As loaded: mteb's Borda rank order. NV-Embed-v2 ranks above Linq-Embed-Mistral (and its AVG is 0.01 higher).
    loaded = _chromium(browser, tmp_path, "--dump-dom", url).stdout
    assert _first_table_models(loaded) == [
        "Seed1.5-Embedding",
        "jasper_en_vision_language_v1",
        "NV-Embed-v2",
        "Linq-Embed-Mistral",
    ]

    # The page's own click handler, run by the browser: Mean (TaskType) (column 3) puts Linq above NV-Embed-v2.
    by_type_mean = _chromium(browser, tmp_path, "--dump-dom", url + "#sort=0.3").stdout
    assert _first_table_models(by_type_mean) == [
        "Seed1.5-Embedding",
        "jasper_en_vision_language_v1",
        "Linq-Embed-Mistral",
        "NV-Embed-v2",
    ]
    assert '<th scope="col" aria-sort="descending">Mean (TaskType)</th>' in by_type_mean
    # A second click reverses it.
    reversed_order = _chromium(browser, tmp_path, "--dump-dom", url + "#sort=0.3.asc").stdout
    assert _first_table_models(reversed_order) == [
        "NV-Embed-v2",
        "Linq-Embed-Mistral",
        "jasper_en_vision_language_v1",
        "Seed1.5-Embedding",
    ]

    from PIL import Image

    shot = tmp_path / "board.png"
    _chromium(browser, tmp_path, "--window-size=1400,900", f"--screenshot={shot}", url)
    image = Image.open(shot).convert("L")
    assert image.size == (1400, 900)
    histogram = image.histogram()
    dark = sum(histogram[:128]) / (image.size[0] * image.size[1])
    assert 0.01 < dark < 0.5, f"screenshot looks blank or broken ({dark:.3f} dark pixels)"
