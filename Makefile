# embedboard: the two set-up commands are `make setup` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
MODEL ?= all-MiniLM-L6-v2
SUITE ?= smoke
DATA_DIR ?=
TASKS ?=
DIMS ?=
RESULTS ?= results
EVAL_ARGS ?=
PYTEST_ARGS ?=
BENCH_ARGS ?=

.PHONY: setup eval test test-fast lint report bench clean-cache

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

setup: $(BIN)/python  ## venv + editable install with dev extras (torch pinned to the CPU build)
	@# setuptools warns that an editable install is editable; nothing to act on, so keep it quiet.
	PYTHONWARNINGS=ignore $(BIN)/python -m pip install --quiet -e '.[dev]'

eval:  ## make eval MODEL=bge-base-en-v1.5 SUITE=cmteb [DATA_DIR=../shared/mteb-mirror] [TASKS=STS12,SciFact] [DIMS=384,128]
	$(BIN)/embedboard eval --model $(MODEL) --suite $(SUITE) --results $(RESULTS) \
		$(if $(DATA_DIR),--data-dir $(DATA_DIR)) $(if $(TASKS),--tasks $(TASKS)) $(if $(DIMS),--dims $(DIMS)) $(EVAL_ARGS)

test:  ## every test, slow real-model ones included (what CI runs; bare `pytest` skips the slow ones)
	HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 $(BIN)/python -m pytest -q -m "slow or not slow" $(PYTEST_ARGS)

test-fast:  ## minutes: no real-model tests (what bare `pytest` runs)
	HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 $(BIN)/python -m pytest -q -m "not slow" $(PYTEST_ARGS)

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

report:  ## regenerate every marked leaderboard table in README.md from results/
	$(BIN)/embedboard report --readme README.md --all-marked --results $(RESULTS)

bench:  ## speed/memory targets (issue 7): writes results/bench/*.json + .md [TASKS=STS12,SciFact] [BENCH_ARGS=--topk-rows 0]
	HF_HUB_OFFLINE=1 $(BIN)/python -m embedboard.runners.bench --data-dir $(or $(DATA_DIR),../shared/mteb-mirror) \
		$(if $(TASKS),--tasks $(TASKS)) $(BENCH_ARGS)
