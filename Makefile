# Two commands on a fresh machine (Python 3.11 and make):
#   make demo   set up .venv, install workbook, run the main job on the bundled sample region
#   make test   set up .venv with the test extras and system packages, lint, run the whole suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test system lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

demo: $(VENV)/.installed
	$(BIN)/workbook demo

# System packages (PostgreSQL server, Chromium) the tests use; see scripts/system-setup.sh.
system:
	bash scripts/system-setup.sh

test: lint system
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check workbook tests benchmarks
	$(BIN)/mypy

clean:
	rm -rf $(VENV) outputs/cache
