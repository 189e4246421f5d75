# GNU make. `make demo` and `make test` work on a fresh Debian 12 machine with Python 3.11:
# they install Debian's Chromium (if missing), create .venv and install the project.
# Nothing else is downloaded: Playwright drives /usr/bin/chromium, never its own browsers.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= $(or $(shell command -v python3.11 2>/dev/null),python3)
VENV = .venv
BIN = $(VENV)/bin
STAMP = $(VENV)/.installed
CHROMIUM = /usr/bin/chromium
PORT ?= 8000
SUDO = $(if $(filter 0,$(shell id -u)),,sudo)

export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help install lint typecheck test demo clean

help:
	@echo "make demo       run the sandbox, a worker, the API and web UI on 127.0.0.1:$(PORT)"
	@echo "make test       install, then ruff, mypy and pytest"
	@echo "make install    Debian's chromium (if missing), $(VENV), the project with dev extras"
	@echo "make lint | typecheck | clean"

install: $(CHROMIUM) $(STAMP)

$(CHROMIUM):
	$(SUDO) apt-get update
	$(SUDO) apt-get install -y chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || { \
	  echo "venv failed; installing python3-venv"; rm -rf $(VENV); \
	  $(SUDO) apt-get update && $(SUDO) apt-get install -y python3-venv; \
	  $(PYTHON) -m venv $(VENV); }

# Reinstall only when pyproject.toml changed since the last install.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -e '.[dev]'
	touch $@

lint: install
	$(BIN)/ruff check .

typecheck: install
	$(BIN)/mypy

# Four pytest workers (pytest-xdist) on two cores, a test file each at a time (the browser
# tests wait on pages, one-time codes and worker processes; four keep the CPU busier than
# three: a fresh-clone .ci/run took 12.4 min here against 13.2); each worker has
# its own Redis database and sandbox portals (tests/conftest.py). Benchmarks run end to end
# at reduced size (marker "bench") run in their own process under make bench.
test: install lint typecheck
	$(BIN)/pytest -q -n 4 --dist loadfile -m "not bench" --durations=25

demo: install
	$(BIN)/portals demo --port $(PORT)

# The full accuracy population (every member of every carrier, every job kind) on layout
# v1 (every member exact) and v2 (every lookup fails loudly, nothing produced); pytest runs
# a sample. Then prior authorization through the queue, without and with a worker killed at
# every step of a submission; then throughput on one account (naive bot, product, floor; its
# timing goals are printed, not enforced). Everything runs; the target fails if any misses
# its bar.
.PHONY: bench
bench: install
	status=0; \
	$(BIN)/portals bench accuracy --layout v1 --report bench/reports/accuracy-v1.json || status=1; \
	$(BIN)/portals bench accuracy --layout v2 --report bench/reports/accuracy-v2.json || status=1; \
	$(BIN)/portals bench prior-auth --report bench/reports/prior-auth.json || status=1; \
	$(BIN)/portals bench prior-auth --kill-at all --requests 2 \
	  --report bench/reports/prior-auth-kill.json || status=1; \
	$(BIN)/portals bench throughput --report bench/reports/throughput.json || status=1; \
	$(BIN)/portals bench nightly --report bench/reports/nightly.json || status=1; \
	$(BIN)/pytest -q -m bench tests/bench tests/portals/test_fhir.py || status=1; \
	PORTALS_SCHEMATHESIS_EXAMPLES=50 $(BIN)/pytest -q tests/api/test_schemathesis.py || status=1; \
	exit $$status

clean:
	rm -rf .pytest_cache .mypy_cache .ruff_cache build dist test-results
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
