"""A real Infinity server (PyPI `infinity-emb`) for the slow tests, in its own virtual environment.

Infinity pins numpy<2, sentence-transformers<4 and click<8.2, which clash with ours, so it
lives in its own venv. The venv is built once and reused: under `EMBEDBOARD_SERVER_VENVS`
(default: `../.embedboard-server-venvs` beside the checkout, outside the repository, so CI can
cache or drop it). torch==2.13.0 goes in first, so pip keeps that build (the CPU wheel where
pip is set up for it) instead of pulling several GB of CUDA wheels as a dependency of
infinity-emb. Built under a file lock, marked complete only at the end: a killed build is
rebuilt, and concurrent test runs wait for each other.

`python -m tests.support.infinity` builds the venv and prints how long it took (.ci/run
calls it before the tests, so the install time shows on its own line).

The server: bound to 127.0.0.1 on a free port, telemetry off (INFINITY_ANONYMOUS_USAGE_STATS=0,
DO_NOT_TRACK=1), offline (HF_HUB_OFFLINE=1; the model is a local folder), its caches in a temp
folder. Defaults read from `infinity_emb v2 --help` (0.0.78) and set explicitly where they could
change vectors or cost time: engine torch, dtype float32 (default `auto`), no BetterTransformer
(default on: another attention kernel), no torch.compile (default on), no vector disk cache
(default on), no warm-up, batch size 32, pooling `auto` (= the folder's 1_Pooling: mean),
normalisation always on (SentenceTransformerPatched), truncation at the model's max_seq_length.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

INFINITY_VERSION = "0.0.78"
TORCH_VERSION = "2.13.0"
REPO = Path(__file__).resolve().parents[2]
# Polls of the server while it starts (each: is the process alive? does /models answer?).
# Bounded work, not a clock: the loop ends when the server answers, dies, or the polls run out.
START_POLLS = 1200
POLL_PAUSE_S = 0.5


def venv_dir() -> Path:
    root = Path(
        os.environ.get("EMBEDBOARD_SERVER_VENVS") or REPO.parent / ".embedboard-server-venvs"
    )
    return root / f"infinity-emb-{INFINITY_VERSION}-torch-{TORCH_VERSION}"


def ensure_venv() -> tuple[Path, float]:
    """(the venv's python, seconds spent installing: 0 when it was already there)."""
    target = venv_dir()
    python = target / "bin" / "python"
    marker = target / ".complete"
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f"{target.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a second test run waits here for the first build
        if marker.exists():
            return python, 0.0
        started = time.perf_counter()
        shutil.rmtree(target, ignore_errors=True)  # a build killed half-way
        log = target.parent / f"{target.name}.install.log"
        env = {**os.environ, "PIP_NO_CACHE_DIR": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
        steps = [
            [sys.executable, "-m", "venv", str(target)],
            [str(python), "-m", "pip", "install", "--quiet", f"torch=={TORCH_VERSION}"],
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--quiet",
                f"infinity-emb[server,torch]=={INFINITY_VERSION}",
            ],
        ]
        with open(log, "w") as out:
            for step in steps:
                done = subprocess.run(
                    step, stdout=out, stderr=subprocess.STDOUT, env=env, check=False
                )
                if done.returncode != 0:
                    raise RuntimeError(
                        f"{' '.join(step)} failed (exit {done.returncode}); see {log}"
                    )
        marker.write_text(f"built in {time.perf_counter() - started:.0f}s\n")
        return python, time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class InfinityServer:
    """`with InfinityServer(model_folder, served_name, workdir) as server:` -> `server.url`."""

    def __init__(self, model_folder: str, served_name: str, workdir: Path) -> None:
        self.model_folder = model_folder
        self.served_name = served_name
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "infinity.log"
        self.process: subprocess.Popen | None = None
        self._log = None
        self.start_seconds = 0.0

    def __enter__(self) -> InfinityServer:
        python, _ = ensure_venv()
        home = self.workdir / "infinity-home"
        home.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "INFINITY_ANONYMOUS_USAGE_STATS": "0",
            "DO_NOT_TRACK": "1",
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "HF_HOME": str(home / "hf"),
            "INFINITY_HOME": str(home),
        }
        command = [
            str(python), "-m", "infinity_emb.cli", "v2",
            "--model-id", self.model_folder, "--served-model-name", self.served_name,
            "--host", "127.0.0.1", "--port", str(self.port),
            "--engine", "torch", "--device", "cpu", "--dtype", "float32",
            "--no-bettertransformer", "--no-compile", "--no-vector-disk-cache", "--no-model-warmup",
            "--batch-size", "32", "--pooling-method", "auto", "--log-level", "warning",
        ]  # fmt: skip
        started = time.perf_counter()
        self._log = open(self.log_path, "w")  # noqa: SIM115 -- closed in __exit__
        self.process = subprocess.Popen(
            command, stdout=self._log, stderr=subprocess.STDOUT, env=env, cwd=self.workdir
        )
        for _ in range(START_POLLS):
            if self.process.poll() is not None:
                self.__exit__(None, None, None)
                raise RuntimeError(
                    f"Infinity exited with {self.process.returncode} while starting:\n{self.log_tail()}"
                )
            try:
                if requests.get(self.url + "/models", timeout=2).status_code == 200:
                    self.start_seconds = time.perf_counter() - started
                    return self
            except requests.exceptions.RequestException:
                pass
            time.sleep(POLL_PAUSE_S)
        self.__exit__(None, None, None)
        raise RuntimeError(f"Infinity did not answer after {START_POLLS} polls:\n{self.log_tail()}")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._log is not None and not self._log.closed:
            self._log.close()

    def log_tail(self, lines: int = 30) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


if __name__ == "__main__":
    python, seconds = ensure_venv()
    how = f"built in {seconds:.0f}s" if seconds else "already built"
    print(f"Infinity {INFINITY_VERSION} venv: {python} ({how})")
