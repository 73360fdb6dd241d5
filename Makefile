# Wangge: `make demo` sets up and serves the demo; `make test` sets up and runs every check.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Debian packages the app needs to run (the reports' PDFs: Pango and Chinese fonts), and those
# the browser tests and the translation checks need besides.
RUN_DEBS := fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0
TEST_DEBS := $(RUN_DEBS) chromium gettext

.PHONY: demo test check pytest bench messages serve system-deps run-deps clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed") if sys.version_info < (3, 11) else None'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Install the Debian packages of $(DEBS) that are missing (with sudo when not root).
system-deps: DEBS = $(TEST_DEBS)
run-deps: DEBS = $(RUN_DEBS)
system-deps run-deps:
	@missing=""; for deb in $(DEBS); do \
	  dpkg-query -W -f='$${Status}' $$deb 2>/dev/null | grep -q "ok installed" || missing="$$missing $$deb"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

demo: $(BIN)/.installed node_modules/.installed run-deps
	$(BIN)/wangge migrate --no-input
	$(BIN)/wangge collectstatic --no-input --verbosity 0
	$(BIN)/wangge demo
	@echo "Serving the demo on http://$(HOST):$(PORT)/  (Ctrl-C stops it)"
	@# The worker runs beside the server: deadline sweeps, webhooks, registry imports.
	@$(BIN)/wangge worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn wangge.wsgi --bind $(HOST):$(PORT) --workers 2 --threads 4 --access-logfile -

check: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	WANGGE_VAR_DIR=$$(mktemp -d) $(BIN)/wangge makemigrations --check --dry-run

pytest: $(BIN)/.installed node_modules/.installed system-deps
	$(BIN)/pytest

test: check pytest

bench: $(BIN)/.installed node_modules/.installed
	$(BIN)/pytest tests/perf -p no:randomly -s -o addopts="-p no:cacheprovider"

messages: $(BIN)/.installed
	cd wangge && ../$(BIN)/wangge makemessages -l zh_Hans --no-obsolete --no-location --ignore 'migrations/*'
	cd wangge && ../$(BIN)/wangge compilemessages -l zh_Hans

clean:
	rm -rf $(VENV) node_modules var .pytest_cache .ruff_cache .hypothesis tests/e2e/screenshots
