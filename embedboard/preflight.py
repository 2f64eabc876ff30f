"""Checks made before any model or dataset loads: a mistake costs a second, not a download.

Each check raises an `EmbedboardError` whose one line names the fix. The CLI calls
`check_eval` after it has resolved the card and the tasks (cheap) and before it loads an
encoder (expensive). Checks that depend on the kind of model (a device for local weights,
an API key for a remote model) live with the adapters (`registry.preflight_adapter`), so
nothing here branches on a model's kind.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from embedboard.defaults import DATA_DIR_ENV
from embedboard.errors import EmbedboardError

if TYPE_CHECKING:
    from embedboard.models.card import ModelCard
    from embedboard.run_request import RunRequest

DEVICE_PATTERN = re.compile(r"^(auto|cpu|mps|cuda(:\d+)?)$")
DEVICE_CHOICES = "auto, cpu, cuda, cuda:N or mps"
DEFAULT_HUB = "https://huggingface.co"
HUB_PROBE_TIMEOUT_S = 5.0


def check_device_name(device: str | None) -> None:
    """`--device gpu` is a typo for cuda: say so before torch turns it into a traceback."""
    if device is None or DEVICE_PATTERN.match(device):
        return
    hint = " (did you mean cuda?)" if device.lower() in {"gpu", "nvidia", "cuda0"} else ""
    raise EmbedboardError(f"Unknown --device '{device}'{hint}; choose {DEVICE_CHOICES}.")


def check_writable_folder(path: str | os.PathLike[str], flag: str) -> Path:
    """Create `path` if needed and prove a file can be written there (the test file is removed)."""
    folder = Path(path).expanduser()
    if folder.exists() and not folder.is_dir():
        raise EmbedboardError(
            f"{flag} {folder} is a file, not a folder; pass a folder (it is created if missing)."
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise EmbedboardError(
            f"{flag} {folder} cannot be created ({err.strerror}); pass a folder you can write to."
        ) from err
    try:
        with tempfile.TemporaryFile(dir=folder, prefix=".embedboard-write-check-"):
            pass
    except OSError as err:
        raise EmbedboardError(
            f"{flag} {folder} is not writable ({err.strerror}); fix its permissions or pass another folder."
        ) from err
    return folder


def check_data_dir(data_dir: str | None) -> None:
    """A mistyped --data-dir would otherwise send every task to the hub, silently."""
    if data_dir and not Path(data_dir).expanduser().is_dir():
        raise EmbedboardError(
            f"--data-dir {data_dir} is not a folder; pass the mirror folder (e.g. ../shared/mteb-mirror) "
            f"or fill one with `embedboard data pull SUITE --data-dir {data_dir}`."
        )


def check_instructions(name_or_path: str | None) -> None:
    """An `--instructions` file must exist, be readable and parse; a table name must exist."""
    if not name_or_path:
        return
    from embedboard.tasks.instructions import load_table

    path = Path(name_or_path).expanduser()
    if path.suffix in {".json", ".yaml", ".yml"} and path.exists() and not os.access(path, os.R_OK):
        raise EmbedboardError(f"--instructions {path} is not readable; fix its permissions.")
    try:
        load_table(name_or_path)
    except OSError as err:
        raise EmbedboardError(f"--instructions {path} cannot be read ({err.strerror}).") from err


def hub_endpoint() -> str:
    return os.environ.get("HF_ENDPOINT", DEFAULT_HUB).rstrip("/")


def hub_unreachable(timeout_s: float = HUB_PROBE_TIMEOUT_S) -> str | None:
    """Why the hub cannot be reached, or None when it answers (any HTTP status counts).

    One quick request instead of the libraries' own five retries per file, which print
    a hundred lines before they give up.
    """
    import requests

    try:
        requests.head(hub_endpoint(), timeout=timeout_s, allow_redirects=False)
    except requests.Timeout:
        return f"no answer within {timeout_s:g} s"
    except requests.RequestException as err:
        text = str(err)
        for marker, reason in _NETWORK_REASONS:
            if marker in text:
                return reason
        return f"{type(err).__name__}: {text[:120]}"
    return None


_NETWORK_REASONS = (
    ("resolve", "its name does not resolve"),
    ("Name or service not known", "its name does not resolve"),
    ("Connection refused", "connection refused"),
    ("Network is unreachable", "network unreachable"),
    ("SSL", "TLS handshake failed"),
    ("ProxyError", "the proxy refused"),
)


def check_hub(needs: Iterable[str]) -> None:
    """Fail at once when something must come from the hub and the hub does not answer."""
    from embedboard.runners.data.data_source import hub_offline

    needs = list(dict.fromkeys(needs))
    if not needs or hub_offline():
        return
    reason = hub_unreachable()
    if reason is None:
        return
    shown = ", ".join(needs[:3]) + (f" and {len(needs) - 3} more" if len(needs) > 3 else "")
    raise EmbedboardError(
        f"The Hugging Face hub ({hub_endpoint()}) is unreachable ({reason}) and this run needs it for {shown}. "
        "Check the network, or work offline: set HF_HUB_OFFLINE=1 and pass --data-dir with a local mirror "
        "(and a checkpoint folder or installed model package)."
    )


def data_from_hub(tasks: Iterable[Any], data_dir: str | None) -> list[str]:
    """Dataset paths of the tasks with no folder in the mirror: those load from the hub."""
    from embedboard.runners.data.data_source import mirror_folder

    paths = [t.metadata.dataset["path"] for t in tasks]
    return [
        f"dataset {p}" for p in paths if not data_dir or not mirror_folder(data_dir, p).is_dir()
    ]


def check_eval(request: RunRequest, card: ModelCard) -> list[str]:
    """Everything about an eval run that is known before loading: folders, files, adapter settings.

    Returns what the adapter will fetch from the hub (for `check_hub`, once the tasks are known).
    """
    from embedboard.models.registry import preflight_adapter

    check_device_name(request.model.device)
    check_data_dir(request.data_dir or os.environ.get(DATA_DIR_ENV))
    check_writable_folder(request.results, "--results")
    if request.cache_dir is not None:
        check_writable_folder(request.cache_dir, "--cache-dir")
    check_instructions(request.model.instructions)
    return preflight_adapter(card, device=request.model.device, api_base=request.model.api_base)
