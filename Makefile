# The two commands: `make run` (install, migrate, load the seeds, serve) and `make test`;
# `make bench` runs the benchmarks.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app reader
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test bench install install-test seed serve clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

seed: install
	$(FLASK) db upgrade
	$(FLASK) docs import --metadata seeds/metadata.json seeds/
	$(FLASK) annotations import --only-new seeds/annotations.jsonld

serve: install
	$(FLASK) run --host $(HOST) --port $(PORT)

run: seed serve

# one test process per core; each test file stays in one process (PYTEST_JOBS=0: one process)
PYTEST_JOBS ?= auto
test: install-test
	$(PY) -m pytest -n $(PYTEST_JOBS) --dist loadfile $(PYTEST_ARGS)

# every benchmark, in one run; figures go to docs/performance.md by hand
bench: install-test
	$(PY) bench/throughput.py
	$(PY) bench/reader_page.py
	$(PY) bench/export_import.py 10000 100000
	$(PY) bench/corpus_interchange.py 10000
	$(PY) bench/corpus.py
	$(PY) bench/reanchor.py
	$(PY) bench/matching.py
	$(PY) bench/desk.py
	$(PY) bench/hostile.py
	$(PY) bench/writes.py
	$(PY) bench/share.py
	$(PY) bench/compare.py
	$(PY) bench/corrections.py
	$(PY) bench/messages.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
