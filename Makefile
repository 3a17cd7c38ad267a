# nnvocab — two commands do all set-up: `make run` and `make test` (neither installs anything outside .venv).
# `make browser` installs Debian's chromium system-wide (root) for the browser tests; CI runs it first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup run test browser soak lint build clean bench

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

build: setup
	$(BIN)/nnvocab build

run: setup
	$(BIN)/nnvocab stats
	$(BIN)/nnvocab serve --host $(HOST) --port $(PORT)

test: setup
	$(BIN)/python -m pytest -m "not soak" -q

browser:
	bash scripts/install-chromium.sh

soak: setup
	$(BIN)/python -m pytest -m soak -q

lint: setup
	$(BIN)/ruff check ontology loaders implementations service tests benchmarks
	$(BIN)/ruff format --check ontology loaders implementations service tests benchmarks
	$(BIN)/mypy

bench: setup
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
