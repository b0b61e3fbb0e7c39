# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)
TEST_STAMP := $(STAMP)-test
# citeproc-js (npm package `citeproc`), run in process by app/citations/citeproc_js.py
NODE_STAMP := node_modules/.installed-$(shell cksum < package-lock.json | cut -d' ' -f1)
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test install soak bench bench-postgres lint clean screenshots

# `make run` installs what serving needs; `make test` (and lint, soak, bench) the test extras too.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	rm -f $(VENV)/.installed-* && touch $(STAMP)

$(TEST_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(TEST_STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $(NODE_STAMP)

install: $(TEST_STAMP) $(NODE_STAMP)

run: $(STAMP) $(NODE_STAMP)
	$(PY) -m app ingest --if-empty seeds/
	$(PY) -m app serve --host $(HOST) --port $(PORT)

# The tests keep Python's byte-code cache even where the shell sets PYTHONDONTWRITEBYTECODE: without
# it every test process (and every `python -m app` it starts) compiles app/ and its libraries again.
TEST_ENV := env -u PYTHONDONTWRITEBYTECODE

# The default suite; tests marked slow (tests/system/: crash, concurrency, hostile corpus, browser,
# benchmark harness, big builds) run in `make soak`, which CI runs too (.ci/run). --dist loadfile:
# a module's tests on one worker, so its module-scoped archives and clients are built once.
test: $(TEST_STAMP) $(NODE_STAMP)
	$(TEST_ENV) $(PY) -m pytest -n auto --dist loadfile -m "not slow"

# SOAK_ARGS: extra pytest arguments, e.g. `make soak SOAK_ARGS="-k concurrency"` (.ci/run runs it whole)
soak: $(TEST_STAMP) $(NODE_STAMP)
	$(TEST_ENV) $(PY) -m pytest -m slow $(SOAK_ARGS)

bench: $(TEST_STAMP) $(NODE_STAMP)
	$(PY) -m benchmarks.run --paragraphs 100000 --out benchmarks/results-100k.json --readme benchmarks/README.md
	$(PY) -m benchmarks.run --paragraphs 1500000 --out benchmarks/results-1.5m.json --readme benchmarks/README.md
	$(PY) -m benchmarks.html_warc --pages 2000 --runs 3 --out benchmarks/results-html-warc.json
	$(PY) -m benchmarks.warc_memory --gb 2 --html 1000 --out benchmarks/results-warc-memory.json
	$(PY) -m benchmarks.versions --paragraphs 20000 --statements 20 --out benchmarks/results-versions.json
	$(PY) -m benchmarks.long_page --paragraphs 600000 --out benchmarks/results-long-page.json
	$(PY) -m benchmarks.duplicates --paragraphs 100000 --out benchmarks/results-duplicates-100k.json
	bash benchmarks/postgres.sh 100000

# PostgreSQL beside SQLite at 100k paragraphs, then two web nodes (benchmarks/pg-100k.json)
bench-postgres: $(STAMP) $(NODE_STAMP)
	bash benchmarks/postgres.sh 100000

# The README's tour pictures (docs/screenshots/), taken by the browser tests in Debian's Chromium.
screenshots: $(TEST_STAMP) $(NODE_STAMP)
	ARCHIVE_SCREENSHOTS=1 $(PY) -m pytest tests/system/test_browser_pages.py -p no:xdist -q \
		-k "screenshots or above_the_fold or steps_through or help_examples"

lint: $(TEST_STAMP)
	$(PY) -m ruff check app tests migrations benchmarks
	$(PY) -m ruff format --check app tests migrations benchmarks

clean:
	rm -rf $(VENV) data .pytest_cache node_modules
