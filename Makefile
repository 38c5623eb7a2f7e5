# The two commands: `make run` and `make test`. Everything else is what they need.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
KB := $(BIN)/kb
DATA_DIR := $(or $(KB_DATA_DIR),var)
EVAL_FILE ?= ../shared/eval/dev.jsonl
PORT ?= 8000
export HF_HUB_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: install install-test run test test-fast lint eval clean

install: $(VENV)/.installed

# torch first, on its own: the pinned CPU build, so nothing pulls the CUDA one.
$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -c constraints.txt torch==2.13.0
	$(BIN)/python -m pip install -q --disable-pip-version-check -c constraints.txt -e .
	touch $@

install-test: $(VENV)/.installed-test

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $@

# Bring the index of corpus/ up to date (nothing is read again when no file and not the encoder changed),
# then serve on PORT (`make run PORT=8080`).
run: install
	$(KB) ingest corpus || echo "Några filer kunde inte indexeras (se ovan); övriga är sökbara."
	$(KB) serve --host 127.0.0.1 --port $(PORT)

test: install-test
	$(BIN)/python -m pytest

# Under 90 s: no embedding model, no kb serve processes, no browser (the marks are set in tests/conftest.py).
test-fast: install-test
	$(BIN)/python -m pytest -q -m "not model and not servers and not browser"

# pyflakes and pycodestyle's errors (pyproject.toml, [tool.ruff]); CI runs it before the tests.
lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

eval: install
	@for mode in bm25 dense hybrid; do $(KB) eval $(EVAL_FILE) --mode $$mode; echo; done

clean:
	rm -rf $(VENV) $(DATA_DIR) .pytest_cache test-results
