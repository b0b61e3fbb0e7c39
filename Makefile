# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)
# citeproc-js (npm package `citeproc`), run in process by app/web/citeproc_js.py
NODE_STAMP := node_modules/.installed-$(shell cksum < package-lock.json | cut -d' ' -f1)
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test install soak bench bench-postgres lint clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	rm -f $(VENV)/.installed-* && touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $(NODE_STAMP)

install: $(STAMP) $(NODE_STAMP)

run: $(STAMP) $(NODE_STAMP)
	$(PY) -m app ingest --if-empty seeds/
	$(PY) -m app serve --host $(HOST) --port $(PORT)

test: $(STAMP) $(NODE_STAMP)
	$(PY) -m pytest -n auto -m "not slow"

soak: $(STAMP) $(NODE_STAMP)
	$(PY) -m pytest -m slow

bench: $(STAMP) $(NODE_STAMP)
	$(PY) -m benchmarks.run --paragraphs 100000 --out benchmarks/results-100k.json --readme benchmarks/README.md
	$(PY) -m benchmarks.run --paragraphs 1500000 --out benchmarks/results-1.5m.json --readme benchmarks/README.md
	$(PY) -m benchmarks.html_warc --pages 2000 --out benchmarks/results-html-warc.json
	bash benchmarks/postgres.sh 100000

# PostgreSQL beside SQLite at 100k paragraphs, then two web nodes (benchmarks/pg-100k.json)
bench-postgres: $(STAMP) $(NODE_STAMP)
	bash benchmarks/postgres.sh 100000

lint: $(STAMP)
	$(PY) -m ruff check app tests migrations benchmarks

clean:
	rm -rf $(VENV) data .pytest_cache node_modules
