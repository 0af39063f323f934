# Two commands do everything on a fresh machine with Python 3.11 and make:
#   make book   set up .venv, execute every notebook, build the HTML (strict) and the PDF
#   make test   set up .venv, then lint, unit tests, nbval, notebook checks,
#               the strict build, the PDF and the offline-HTML and browser checks
# Every path is quoted: the checkout may live in a directory whose name has spaces.
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
PIP := -m pip install -q --disable-pip-version-check
# The lowest versions pyproject.toml allows, with the same book and test tools.
LOWEST := .venv-lowest

.PHONY: setup book html pdf test lint unit nbval notebook-check html-check browser \
        portability lowest execute lab bench clean

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x "$(BIN)/python" || "$(PYTHON)" -m venv "$(VENV)"
	"$(BIN)/python" $(PIP) -r requirements.txt
	"$(BIN)/python" $(PIP) --no-deps --no-build-isolation -e .
	touch "$@"

book: html pdf

html: $(STAMP)
	rm -rf _build/html
	"$(BIN)/jupyter-book" build . -W -n --keep-going

# The whole book as one PDF (LaTeX; needs TeX Live), linked from the HTML.
pdf: $(STAMP)
	"$(BIN)/python" tools/build_pdf.py

test: lint unit nbval notebook-check book html-check browser

lint: $(STAMP)
	"$(BIN)/ruff" check mathkit tests benchmarks tools book

unit: $(STAMP)
	"$(BIN)/python" -m pytest tests --ignore=tests/test_browser.py --ignore=tests/test_pdf.py

nbval: $(STAMP)
	"$(BIN)/python" -m pytest $(NBVAL) book

notebook-check: $(STAMP)
	"$(BIN)/python" tools/check_notebooks.py book

html-check: $(STAMP)
	"$(BIN)/python" tools/check_offline_html.py _build/html

# Needs the built book: every page in headless Chromium, served on 127.0.0.1; the PDF.
browser: $(STAMP)
	"$(BIN)/python" -m pytest tests/test_browser.py tests/test_pdf.py

# Unit tests and nbval again under other floating-point set-ups (BLAS kernels, numpy's
# SIMD loops): stored outputs must not depend on which one a reader's machine picks.
portability: $(STAMP)
	"$(BIN)/python" tools/fp_setups.py

# Unit tests and nbval with the lowest versions pyproject.toml declares.
lowest: $(LOWEST)/.installed
	"$(CURDIR)/$(LOWEST)/bin/python" -m pytest tests --ignore=tests/test_browser.py \
	  --ignore=tests/test_pdf.py --ignore=tests/test_strict_build.py
	"$(CURDIR)/$(LOWEST)/bin/python" -m pytest $(NBVAL) book

$(LOWEST)/.installed: requirements-lowest.txt pyproject.toml
	test -x "$(LOWEST)/bin/python" || "$(PYTHON)" -m venv "$(LOWEST)"
	"$(LOWEST)/bin/python" $(PIP) -r requirements-lowest.txt
	"$(LOWEST)/bin/python" $(PIP) --no-deps --no-build-isolation -e .
	touch "$@"

# Re-execute notebooks in place (after editing one); then review the diff.
execute: $(STAMP)
	"$(BIN)/python" tools/execute_notebooks.py $(or $(NB),book)

# JupyterLab refuses to run as root (containers) unless told it may.
lab: $(STAMP)
	"$(BIN)/python" $(PIP) -r requirements-lab.txt
	"$(BIN)/jupyter" lab $$( [ "$$(id -u)" = 0 ] && echo --allow-root ) book

bench: $(STAMP)
	"$(BIN)/python" $(PIP) -r requirements-bench.txt
	for b in benchmarks/bench_*.py; do "$(BIN)/python" "$$b"; done

clean:
	rm -rf _build .pytest_cache .hypothesis .ruff_cache
