# Two commands: `make play` and `make test`. Each sets up everything it needs first.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# The main interpreter, and a second one for the test matrix (3.11 and 3.13 where pyenv has them).
PYTHON ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.11*/bin/python3.11) $(shell command -v python3.11 python3 2>/dev/null))
PYTHON_ALT ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3.13) $(shell command -v python3.13 2>/dev/null))
VENV := .venv
VENV_ALT := .venv-alt
ROUTINE ?=
PYTEST_ARGS ?=

.PHONY: help system setup play test check lint typecheck pytest pytest-alt bench chimes clean

help:
	@echo "make play    set everything up, then play the default routine (ROUTINE=id to pick one)"
	@echo "make test    set everything up, then lint, format check, type check and run all tests"
	@echo "make bench   run the benchmarks and print their figures"

system:
	@scripts/install-system.sh

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "Error: no python3 found"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --upgrade pip
	$(VENV)/bin/python -m pip install -q -e '.[dev]'
	@touch $@

$(VENV_ALT)/.installed: pyproject.toml
	$(PYTHON_ALT) -m venv $(VENV_ALT)
	$(VENV_ALT)/bin/python -m pip install -q --upgrade pip
	$(VENV_ALT)/bin/python -m pip install -q -e '.[dev]'
	@touch $@

setup: system $(VENV)/.installed

play: setup
	@$(VENV)/bin/voicecoach play $(ROUTINE)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: setup
	$(VENV)/bin/mypy

pytest: setup
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

pytest-alt: system
	@if [ -n "$(PYTHON_ALT)" ]; then \
		$(MAKE) --no-print-directory $(VENV_ALT)/.installed && \
		echo "== tests on $$($(VENV_ALT)/bin/python --version)" && \
		$(VENV_ALT)/bin/python -m pytest $(PYTEST_ARGS); \
	else echo "note: no Python 3.13 found; the suite ran on $$($(PYTHON) --version) only"; fi

test: lint typecheck pytest pytest-alt

bench: setup
	$(VENV)/bin/python -m bench
	$(VENV)/bin/python -m bench.first_sound

chimes: setup
	$(VENV)/bin/python scripts/make_chimes.py

clean:
	rm -rf $(VENV) $(VENV_ALT) .mypy_cache .ruff_cache .pytest_cache .hypothesis
