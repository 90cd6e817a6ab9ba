# Homeward — `make demo` runs the demo; `make test` runs the tests; `make check` adds lint, types, migrations.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# pycanon, which checks research releases independently, pins exact numpy/pandas versions: it gets its own
# environment, run as a separate process (homeward/research/pycanon_check.py).
VERIFY := .venv-pycanon
VERIFY_STAMP := $(VERIFY)/.installed
LANGS := lo th fr
export HOMEWARD_VAR_DIR ?= $(CURDIR)/var

.PHONY: verifier venv demo demo-reset serve test test-fast check lint types migrations-check messages bench browser-deps clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

venv: $(STAMP) $(VERIFY_STAMP)

$(VERIFY_STAMP):
	$(PYTHON) -m venv $(VERIFY)
	$(VERIFY)/bin/pip install --quiet --upgrade pip
	$(VERIFY)/bin/pip install --quiet "pycanon>=1.3,<2"
	touch $(VERIFY_STAMP)

verifier: $(VERIFY_STAMP)

# The demo: SQLite, generated data, printed logins, served on http://127.0.0.1:8000
demo: $(STAMP) $(VERIFY_STAMP)
	HOMEWARD_DEMO=1 $(BIN)/homeward keys init
	HOMEWARD_DEMO=1 $(BIN)/homeward migrate --verbosity 0
	HOMEWARD_DEMO=1 $(BIN)/homeward collectstatic --noinput --verbosity 0
	HOMEWARD_DEMO=1 $(BIN)/homeward demo-setup
	@echo "Open http://127.0.0.1:8000 and sign in with one of the accounts above. Ctrl+C stops the server."
	@# The background worker (large HTCDS imports) runs beside the server and stops with it.
	HOMEWARD_DEMO=1 $(BIN)/homeward db_worker --interval 2 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	HOMEWARD_DEMO=1 $(BIN)/homeward runserver 127.0.0.1:8000

demo-reset:
	rm -f var/homeward.sqlite3 var/homeward.sqlite3-wal var/homeward.sqlite3-shm
	rm -rf var/documents

# Tests: the whole suite, browser tests included (they need Debian's chromium: `make browser-deps` as root).
test: $(STAMP) $(VERIFY_STAMP) browser-deps
	$(BIN)/pytest -q $(PYTEST_ARGS)

test-fast: $(STAMP) $(VERIFY_STAMP)
	$(BIN)/pytest -q -m "not browser" $(PYTEST_ARGS)

browser-deps:
	@command -v chromium >/dev/null 2>&1 || scripts/install-browser-deps.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(STAMP)
	$(BIN)/mypy homeward

migrations-check: $(STAMP)
	DATABASE_URL=sqlite://:memory: $(BIN)/homeward makemigrations --check --dry-run --skip-checks

check: lint types migrations-check test

# Translation catalogues: extract, then compile. Needs GNU gettext (apt-get install gettext).
messages: $(STAMP)
	cd homeward && ../$(BIN)/homeward makemessages $(foreach l,$(LANGS),-l $(l)) --no-obsolete --add-location file -i "tests/*"
	cd homeward && ../$(BIN)/homeward compilemessages $(foreach l,$(LANGS),-l $(l))

bench: $(STAMP)
	$(BIN)/python bench/search.py

clean:
	rm -rf $(VENV) staticfiles .mypy_cache .ruff_cache
