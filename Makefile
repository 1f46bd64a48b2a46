# The targets CI runs: .ci/run calls `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python

.PHONY: install test lint fmt typecheck pytest bench mutate demo clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

lint: install
	$(BIN)/ruff format --check flickr_async tests bench
	$(BIN)/ruff check flickr_async tests bench

fmt: install
	$(BIN)/ruff format flickr_async tests bench
	$(BIN)/ruff check --fix flickr_async tests bench

typecheck: install
	$(BIN)/mypy

pytest: install
	$(BIN)/pytest

test: lint typecheck pytest

bench: install
	$(PY) -m bench

# Mutation testing (mutmut, [tool.mutmut] in pyproject.toml) -> bench/MUTATION.md. Not part of
# `make test`: MUTATE_TIME minutes for the whole run, MODULES a subset (e.g. "layout verify").
MUTATE_TIME ?= 35
MUTATE_JOBS ?= 2
MODULES ?=
mutate: install
	$(PY) -m bench.mutate --minutes $(MUTATE_TIME) --jobs $(MUTATE_JOBS) $(MODULES)

# The local fake has no quota to protect: 20 calls/s instead of Flickr's 1/s keeps it brisk.
demo: install
	$(PY) -m tests.fakeflickr.demo -- --api-rate 20

clean:
	rm -rf $(VENV) demo-out mutants .pytest_cache .mypy_cache .ruff_cache
