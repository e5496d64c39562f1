# EduDX — two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
EDUDX  := $(VENV)/bin/edudx
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8000
SCALE  ?= district
# Test processes (pytest-xdist): one per core by default; TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= auto

.PHONY: install messages demo serve test lint format clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) messages

# Compile the committed .po catalogues (pure Python, no gettext tools needed): the project's
# and each app's own (src/edudx/<app>/locale, found by Django for installed apps).
messages: $(STAMP)
	for d in src/edudx/locale src/edudx/*/locale; do \
		$(PY) -m babel.messages.frontend compile --use-fuzzy -D django -d $$d >/dev/null || exit 1; \
	done

demo: install
	$(EDUDX) migrate --noinput -v 0
	$(EDUDX) demo --if-empty --scale $(SCALE)
	$(EDUDX) worker --once -v 0
	$(EDUDX) demo_logins
	@echo "EduDX: http://$(HOST):$(PORT)/  (Ctrl+C to stop)"
	$(EDUDX) worker -v 0 & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(VENV)/bin/granian --interface wsgi --host $(HOST) --port $(PORT) --workers 1 \
		--blocking-threads 4 edudx.wsgi:application

serve: install
	$(VENV)/bin/granian --interface wsgi --host $(HOST) --port $(PORT) edudx.wsgi:application

# On SQLite by default; EDUDX_TEST_DATABASE_URL=postgres://... runs the same suite there.
test: install
	EDUDX_DATABASE_URL="$${EDUDX_TEST_DATABASE_URL:-sqlite:///$(CURDIR)/var/test.sqlite3}" \
	EDUDX_TASKS_BACKEND=django_tasks.backends.immediate.ImmediateBackend \
		$(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(EDUDX) makemigrations --check --dry-run -v 0

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf var/edudx.sqlite3* var/test.sqlite3*
