# StudyHub: `make run` serves the site, `make test` runs the whole suite.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
BIN := $(VENV)/bin
COURSE := fixtures/bpo-vs-kpo
HOST ?= 127.0.0.1
PORT ?= 8000
# Two passes of the whole suite; xdist spreads each over the machine's cores.
PYTEST_ARGS ?= -n auto

# The first interpreter >= 3.12 that actually runs: $PYTHON, then python3.1x on PATH
# (a pyenv shim can exist and still fail), then pyenv's own versions, newest first.
define find_python
ok() { "$$1" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; }; \
if [ -n "$$PYTHON" ]; then \
  ok "$$PYTHON" && { echo "$$PYTHON"; exit 0; }; \
  echo "PYTHON=$$PYTHON is not Python 3.12 or newer." >&2; exit 1; \
fi; \
for c in python3.14 python3.13 python3.12; do ok "$$c" && { command -v "$$c"; exit 0; }; done; \
root=$$(pyenv root 2>/dev/null || echo "$$HOME/.pyenv"); \
for c in $$(ls -d "$$root"/versions/3.1[2-9]* 2>/dev/null | sort -rV); do \
  ok "$$c/bin/python3" && { echo "$$c/bin/python3"; exit 0; }; \
done; \
echo "StudyHub needs Python 3.12 or newer: set PYTHON=/path/to/python3.12 or install one (pyenv install 3.12)." >&2; exit 1
endef

.PHONY: help install run test test-sqlite test-postgres lint bench bench-import lock clean

help:
	@echo "make run    install, migrate, load the seed course and serve http://$(HOST):$(PORT)"
	@echo "make test   install, lint, then the whole suite on SQLite and on PostgreSQL"
	@echo "make bench  load benchmark (see README)"
	@echo "make bench-import  import 50,000 questions while 16 learners answer (see README)"

install: $(VENV)/.installed

$(VENV)/.installed: requirements.lock
	@py=$$($(find_python)) || exit 1; \
	if ! $(BIN)/python -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
	  echo "Creating $(VENV) with $$py"; rm -rf $(VENV); "$$py" -m venv $(VENV) || exit 1; \
	fi
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@touch $@

run: install
	$(BIN)/python manage.py migrate --noinput
	@if [ -f $(COURSE)/course.toml ]; then $(BIN)/python manage.py load_course $(COURSE); fi
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Without DATABASE_URL the suite runs twice: SQLite, then a throwaway PostgreSQL cluster.
test: lint
ifdef DATABASE_URL
	$(BIN)/pytest $(PYTEST_ARGS)
else
	$(MAKE) --no-print-directory test-sqlite test-postgres
endif

test-sqlite: install
	@echo "== pytest on SQLite =="
	env -u DATABASE_URL $(BIN)/pytest $(PYTEST_ARGS)

test-postgres: install
	@echo "== pytest on PostgreSQL =="
	.ci/with-postgres $(BIN)/pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python tests/bench/run.py $(BENCH_ARGS)

bench-import: install
	$(BIN)/python tests/bench/import_under_load.py $(BENCH_ARGS)

# Regenerate the pinned lock file after changing pyproject.toml.
lock:
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --group dev --python-version 3.12 --universal -o requirements.lock

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
