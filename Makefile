# The two README commands: `make demo` (the main job) and `make test` (the whole suite).
# Both bootstrap .venv on first use; nothing else needs to be set up but Python 3.12 (or 3.11).

PYTHON ?= $(shell command -v python3.12 || command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	$(PY) -c "from medroute.engines.alns import warm_up; warm_up()"  # compile the alns core once (numba caches it)
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/medroute demo --out out

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks examples

typecheck: $(STAMP)
	$(VENV)/bin/mypy

pytest: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadfile -q

test: lint typecheck pytest

docs: $(STAMP)
	$(PY) -m medroute.schema docs/schema >/dev/null
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --site-dir site

clean:
	rm -rf $(VENV) out site .pytest_cache .mypy_cache .ruff_cache
