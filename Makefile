# Docket: `make run` to use it, `make test` to check it. Both install what they need;
# `make check` is the quick loop: ruff and the suite without the browser tests, no installing.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
SUDO := $(shell [ "$$(id -u)" = "0" ] || echo sudo)
# WeasyPrint needs Pango/HarfBuzz; the e2e tests drive Debian's Chromium; poppler
# gives pdftotext/pdftoppm for checking PDFs; the tests start a redis-server of their
# own when no Redis answers (conftest.py).
APT_PACKAGES := chromium poppler-utils libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
	libjpeg62-turbo fonts-dejavu-core fonts-liberation redis-server

# pytest-xdist workers for `make test` and `make check` (`make test PYTEST_WORKERS=0` runs in
# one process).
PYTEST_WORKERS ?= auto

.PHONY: install system-packages python-packages run test check lint migrate demo bench clean

install: system-packages python-packages

# One dpkg-query for every package; apt-get runs only when one is missing.
system-packages:
	@missing=$$(dpkg-query -W -f='$${db:Status-Abbrev} $${Package}\n' $(APT_PACKAGES) 2>&1 \
		| awk '$$1 != "ii" { print $$NF }' | sort -u | tr '\n' ' '); \
	if [ -n "$$missing" ]; then \
		echo "Installing system packages: $$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

python-packages: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q '.[dev]'
	@touch $@

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py seed_demo --if-empty

run: demo
	@echo ""
	@echo "  Docket is starting on http://$(HOST):$(PORT)/"
	@echo "  Sign in as demo@docket.test with the password docket-demo"
	@echo "  API docs: http://$(HOST):$(PORT)/api/v1/docs   Emails land in var/mail/"
	@echo ""
	@trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py run_huey & worker=$$!; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# The benchmark's own database (100,000 people, seeded the first time), not the one
# `make run` uses: `make bench BENCH_DATABASE_URL=postgres://...` for PostgreSQL.
BENCH_DATABASE_URL ?= sqlite:///$(CURDIR)/var/bench.sqlite3
BENCH_ARGS ?=

bench: install
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python manage.py migrate --noinput -v 0
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python manage.py seed_scale --if-empty
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python manage.py benchmark $(BENCH_ARGS)

test: install
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS)

check:
	$(BIN)/ruff check .
	$(BIN)/python -m pytest --ignore=e2e -q -n $(PYTEST_WORKERS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

clean:
	rm -rf var/ $(VENV)
