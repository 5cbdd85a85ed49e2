# Two commands: `make play` and `make test`. Each sets up everything it needs first.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# The main interpreter, a second one for the whole suite, and the others the project
# supports, where pyenv (or the system) has them: 3.11 and 3.13 run every test, 3.10 and
# 3.12 install from the lock and run the smoke tests (script, export, play).
pyenv_python = $(firstword $(wildcard $(HOME)/.pyenv/versions/$(1).*/bin/python$(1)) $(shell command -v python$(1) 2>/dev/null))
PYTHON ?= $(firstword $(call pyenv_python,3.11) $(shell command -v python3 2>/dev/null))
PYTHON_ALT ?= $(call pyenv_python,3.13)
PYTHON_SMOKE ?= $(strip $(call pyenv_python,3.10) $(call pyenv_python,3.12))
VENV := .venv
VENV_ALT := .venv-alt
ROUTINE ?=
PYTEST_ARGS ?=
LOCK := requirements/lock.txt requirements/build.txt

.PHONY: help system system-tests setup venv play test check lint typecheck pytest pytest-alt smoke bench chimes lock clean

help:
	@echo "make play    set everything up, then play the default routine (ROUTINE=id to pick one)"
	@echo "make test    set everything up, then lint, format check, type check and run all tests"
	@echo "make bench   run the benchmarks and print their figures"
	@echo "make lock    update requirements/*.txt, the locked versions every install uses"

system:
	@scripts/install-system.sh

# What only the tests use besides: a browser and PDF tools.
system-tests:
	@scripts/install-system.sh --tests

# A virtual environment from the lock only: the build tools first, then every dependency
# with its hash checked and nothing built in an isolated (unpinned) environment, then
# voicecoach itself, editable.
$(VENV)/.installed: pyproject.toml $(LOCK)
	@test -n "$(PYTHON)" || { echo "Error: no python3 found"; exit 1; }
	@scripts/make-venv.sh "$(PYTHON)" $(VENV)
	@touch $@

$(VENV_ALT)/.installed: pyproject.toml $(LOCK)
	@scripts/make-venv.sh "$(PYTHON_ALT)" $(VENV_ALT)
	@touch $@

setup: system $(VENV)/.installed

# The venv alone: what lint and typecheck need (no espeak-ng, PulseAudio or ffmpeg).
venv: $(VENV)/.installed

play: setup
	@$(VENV)/bin/voicecoach play $(ROUTINE)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: venv
	$(VENV)/bin/mypy

pytest: setup system-tests
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

pytest-alt: system system-tests
	@if [ -n "$(PYTHON_ALT)" ]; then \
		$(MAKE) --no-print-directory $(VENV_ALT)/.installed && \
		echo "== tests on $$($(VENV_ALT)/bin/python --version)" && \
		$(VENV_ALT)/bin/python -m pytest $(PYTEST_ARGS); \
	else echo "note: no Python 3.13 found; the suite ran on $$($(PYTHON) --version) only"; fi

# 3.10 and 3.12: install from the lock, then the smoke tests (script, export, play).
smoke: system
	@for py in $(PYTHON_SMOKE); do \
		venv=.venv-$$($$py -c 'import sys; print("%d.%d" % sys.version_info[:2])'); \
		scripts/make-venv.sh "$$py" $$venv && \
		echo "== smoke tests on $$($$venv/bin/python --version)" && \
		$$venv/bin/python -m pytest -m smoke -q -p no:cacheprovider || exit 1; \
	done

test: lint typecheck pytest pytest-alt smoke

lock:
	@scripts/lock.sh

bench: setup
	$(VENV)/bin/python -m bench
	$(VENV)/bin/python -m bench.mp3
	$(VENV)/bin/python -m bench.first_sound
	$(VENV)/bin/python -m bench.neural

chimes: setup
	$(VENV)/bin/python scripts/make_chimes.py

clean:
	rm -rf $(VENV) $(VENV_ALT) .venv-3.* .tools .mypy_cache .ruff_cache .pytest_cache .hypothesis
