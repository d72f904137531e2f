# Two entry points: `make demo` (app with demo data on SQLite, and its job worker) and
# `make test` (everything).
# Each creates .venv with the project's Python 3.11 and installs what it needs.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: demo test lint install clean translations

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

install: $(BIN)/.installed

# The worker runs the background jobs (mail batches) beside the server, and stops with it.
demo: install
	$(BIN)/intake db upgrade
	BASE_URL=$${BASE_URL:-http://$(HOST):$(PORT)} $(BIN)/intake demo
	BASE_URL=$${BASE_URL:-http://$(HOST):$(PORT)} $(BIN)/intake worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	BASE_URL=$${BASE_URL:-http://$(HOST):$(PORT)} $(BIN)/intake run --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache

# After changing user-facing strings: refresh the catalogue, translate in the .po, commit both files.
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k N_ -o /tmp/intake-messages.pot .
	$(BIN)/pybabel update -i /tmp/intake-messages.pot -d intake/translations --no-fuzzy-matching
	$(BIN)/pybabel compile -d intake/translations
