# The README's commands. Each target makes its own virtual environment from pyproject.toml.
PYTHON ?= python3
VENV ?= .venv
BIND ?= 127.0.0.1:8000

.PHONY: run test lint demo bench clean

$(VENV)/.run-installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e .
	touch $@

$(VENV)/.dev-installed: $(VENV)/.run-installed
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $@

run: $(VENV)/.run-installed  ## install, then serve with gunicorn on the SQLite default (var/rectify.db)
	$(VENV)/bin/rectify serve --bind $(BIND)

test: $(VENV)/.dev-installed  ## install, lint, then run every test on SQLite and PostgreSQL
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/pytest

lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

demo: $(VENV)/.run-installed  ## seed a realistic data set into the configured store
	$(VENV)/bin/rectify demo

bench: $(VENV)/.dev-installed  ## time rebuild and read-model queries on a demo-sized history (SQLite and PostgreSQL); see bench/README.md
	$(VENV)/bin/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis

# docx-preview: the DOCX circular as PNG pages, for a person to look at.
include mk/docx-preview.mk
