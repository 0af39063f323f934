# Two commands do everything on a fresh machine with Python 3.11 and make:
#   make book   set up .venv, execute every notebook, build the HTML (strict)
#   make test   set up .venv, then lint, unit tests, nbval, notebook checks,
#               the strict build and the offline-HTML check
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
# Kernels started by the build and by nbval must see the venv's python and mathkit.
export PATH := $(BIN):$(PATH)
export PYTHONHASHSEED := 0
STAMP := $(VENV)/.installed
NBVAL := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

.PHONY: setup book test lint unit nbval notebook-check html-check browser execute lab bench clean

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

book: $(STAMP)
	rm -rf _build/html
	$(BIN)/jupyter-book build . -W -n --keep-going

test: lint unit nbval notebook-check book html-check browser

lint: $(STAMP)
	$(BIN)/ruff check mathkit tests benchmarks tools book

unit: $(STAMP)
	$(BIN)/python -m pytest tests --ignore=tests/test_browser.py

nbval: $(STAMP)
	$(BIN)/python -m pytest $(NBVAL) book

notebook-check: $(STAMP)
	$(BIN)/python tools/check_notebooks.py book

html-check: $(STAMP)
	$(BIN)/python tools/check_offline_html.py _build/html

# Needs the built book: every page in headless Chromium, served on 127.0.0.1.
browser: $(STAMP)
	$(BIN)/python -m pytest tests/test_browser.py

# Re-execute notebooks in place (after editing one); then review the diff.
execute: $(STAMP)
	$(BIN)/python tools/execute_notebooks.py $(or $(NB),book)

lab: $(STAMP)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements-lab.txt
	$(BIN)/jupyter lab book

bench: $(STAMP)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements-bench.txt
	for b in benchmarks/bench_*.py; do $(BIN)/python "$$b"; done

clean:
	rm -rf _build .pytest_cache .hypothesis .ruff_cache
