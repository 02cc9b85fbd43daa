# ParcelOps: `make run` to try it, `make test` to test it. Everything lives in .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000

.PHONY: run test test-postgres fuzz lint format bench worker messages clean dist install-test deploy-test

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	PORT=$(PORT) $(BIN)/parcelops serve

worker: $(STAMP)
	$(BIN)/parcelops worker

# The browser tests drive Debian's chromium (never a browser downloaded by Playwright).
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "make: the browser tests need Debian's chromium: sudo apt-get install chromium" >&2; exit 1; fi

test: $(STAMP) $(CHROMIUM)
	$(BIN)/python -m pytest -n 2 -q

# Schemathesis against a real server on SQLite (tests/test_schemathesis.py; a few minutes).
fuzz: $(STAMP)
	$(BIN)/python -m pytest -q -m fuzz tests/test_schemathesis.py

# The operations guide's PostgreSQL + Redis deployment run for real: two web nodes, two
# workers, one killed mid-send, a node without keys, a backup restored (tests/deploy/;
# about 2 minutes, not in CI; needs PostgreSQL and Redis on 127.0.0.1).
deploy-test: $(STAMP)
	$(BIN)/python tests/deploy/deploy_test.py

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy parcelops config
	$(BIN)/lint-imports
	PARCELOPS_DATA_DIR=$$(mktemp -d) $(BIN)/python manage.py makemigrations --check --dry-run

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	@$(BIN)/python -m bench

# Collects every app's strings into parcelops/locale (settings.LOCALE_PATHS) and compiles
# them. The .mo files are committed, so a machine without GNU gettext still shows Chinese.
I18N_IGNORE := --ignore=.venv --ignore=var --ignore=tests --ignore=bench
messages: $(STAMP)
	export PARCELOPS_DATA_DIR=$$(mktemp -d) && \
	$(BIN)/python manage.py makemessages -l zh_Hans --no-obsolete $(I18N_IGNORE) && \
	$(BIN)/python manage.py compilemessages $(I18N_IGNORE); \
	status=$$?; rm -rf "$$PARCELOPS_DATA_DIR"; exit $$status

# A wheel of the product alone (no tests, no dev tools) for production installs
# (docs/operations.md, "Deploying on PostgreSQL and Redis"). setuptools builds in build/;
# removed first, its stale files would end up in the wheel.
dist:
	rm -rf build dist
	$(PYTHON) -m pip wheel --quiet --no-deps -w dist .
	rm -rf build *.egg-info
	@ls dist/*.whl

# The production install for real, dependencies from the index: a fresh virtualenv, the
# wheel with the constraints, no dev tool in it, migrate and a channel on a scratch SQLite
# data directory. (tests/test_install.py does the offline part of this in the test suite.)
INSTALL_TEST := $(CURDIR)/build/install-test
install-test: dist
	rm -rf $(INSTALL_TEST) && $(PYTHON) -m venv $(INSTALL_TEST)
	$(INSTALL_TEST)/bin/pip install --quiet -c constraints.txt dist/parcelops-*.whl
	! $(INSTALL_TEST)/bin/pip list 2>/dev/null | grep -i -E '^(pytest|ruff|mypy|playwright|schemathesis) '
	cd /tmp && export PARCELOPS_DATA_DIR=$$(mktemp -d) && \
	$(INSTALL_TEST)/bin/parcelops migrate --verbosity 0 && \
	$(INSTALL_TEST)/bin/parcelops channels add web "Web shop" && \
	$(INSTALL_TEST)/bin/parcelops check; \
	status=$$?; rm -rf "$$PARCELOPS_DATA_DIR"; exit $$status
	rm -rf build
	@echo "install-test: the wheel installs and runs with its runtime dependencies only"

clean:
	rm -rf $(VENV) build dist
