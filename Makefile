# The README's commands. Each target makes its own virtual environment from pyproject.toml.
PYTHON ?= python3
VENV ?= .venv
BIND ?= 127.0.0.1:8000

.PHONY: run test test-long test-dates lint fuzz demo bench bench-console bench-verify clean

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

# Test processes side by side (pytest-xdist): every test makes its own store, server and ports, so they share
# nothing; two halve the run on a 2-CPU machine. TEST_WORKERS=0 runs them in this one process.
TEST_WORKERS ?= 2

test: $(VENV)/.dev-installed  ## install, lint, then run every test but the long ones on SQLite and PostgreSQL
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/pytest -n $(TEST_WORKERS) -m "not long"

# The long runs: faults (workers, servers and projectors killed, the store stopped, a host lost), slow clients,
# contention, a bounded fuzzing and the benchmarks' own runs on small stores. CI runs them after `make test`.
test-long: $(VENV)/.dev-installed  ## run the fault, multi-host, load and fuzz tests on SQLite and PostgreSQL
	$(VENV)/bin/pytest -n $(TEST_WORKERS) -m long

# The moments test-dates runs the whole suite at, each in Shanghai's time: a Sunday night (still the afternoon
# in UTC), a year's last minute (2027 in Shanghai a minute later, still 2026 in UTC), a Monday just after
# midnight (Sunday, and the week before, in UTC) and a leap day's early morning (28 February in UTC).
TEST_DATES ?= 2026-11-29T23:30:00+08:00 2026-12-31T23:59:00+08:00 2026-11-30T00:05:00+08:00 2028-02-29T07:30:00+08:00
# Both stores, or the run proves nothing about PostgreSQL: set to 0 to let its tests skip.
RECTIFY_REQUIRE_POSTGRES ?= 1

test-dates: $(VENV)/.dev-installed  ## run every test (both stores, e2e) with the clock at each of TEST_DATES
	@failed=""; for moment in $(TEST_DATES); do \
		printf '\n== RECTIFY_TEST_NOW=%s\n' "$$moment"; \
		RECTIFY_TEST_NOW=$$moment RECTIFY_REQUIRE_POSTGRES=$(RECTIFY_REQUIRE_POSTGRES) $(VENV)/bin/pytest -q -n $(TEST_WORKERS) \
			|| failed="$$failed $$moment"; \
	done; \
	if [ -n "$$failed" ]; then printf '\nfailed with RECTIFY_TEST_NOW at:%s\n' "$$failed"; exit 1; fi; \
	printf '\npassed with RECTIFY_TEST_NOW at each of: %s\n' "$(TEST_DATES)"

lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# fuzz: schemathesis against the served OpenAPI document, many more cases than `make test` runs, on both stores.
FUZZ_EXAMPLES ?= 2000
fuzz: $(VENV)/.dev-installed  ## fuzz the API from its OpenAPI document (RECTIFY_FUZZ_EXAMPLES cases of each kind)
	RECTIFY_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) RECTIFY_FUZZ_STORES=sqlite,postgres \
		$(VENV)/bin/pytest -q -s -p no:logging tests/reliability/test_fuzz.py

demo: $(VENV)/.run-installed  ## seed a realistic data set into the configured store
	$(VENV)/bin/rectify demo

bench: $(VENV)/.dev-installed  ## every figure of bench/README.md against its target, both stores: the read side at 20,000 and 200,000 findings, commands over HTTP, at any length and any size, the projector following commands
	$(VENV)/bin/python -m bench.run $(BENCH_ARGS)
	$(VENV)/bin/python -m bench.run --findings 200000 --reads 1 --rebuilds 1 --runs 5 $(BENCH_SIZE_ARGS)
	$(VENV)/bin/python -m bench.commands $(BENCH_COMMANDS_ARGS)
	$(VENV)/bin/python -m bench.command_size $(BENCH_COMMAND_SIZE_ARGS)
	$(VENV)/bin/python -m bench.following $(BENCH_FOLLOWING_ARGS)

bench-console: $(VENV)/.dev-installed  ## time the console's pages on the same history (both stores); see bench/README.md
	$(VENV)/bin/python -m bench.console_pages $(BENCH_CONSOLE_ARGS)

bench-verify: $(VENV)/.dev-installed  ## time rectify verify and its peak memory over synthetic logs of 100,000 and 1,000,000 records (both stores)
	$(VENV)/bin/python -m bench.verify_scale $(BENCH_VERIFY_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis

# docx-preview: the DOCX circular as PNG pages, for a person to look at.
include mk/docx-preview.mk
