# The SPRO hub. `make run` to try it, `make test` to check it. Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DJANGO_SETTINGS_MODULE := spro.settings

# Options for the embedded platform, e.g. `make run RUN_ARGS="--port 8080"`.
RUN_ARGS ?=
# Options for pytest, e.g. `make test PYTEST_ARGS="tests/sites -x"`.
PYTEST_ARGS ?=

.PHONY: run test lint format install migrate demo worker clean

# The virtualenv, rebuilt when the dependencies change.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 ou plus récent est nécessaire (PYTHON=$(PYTHON)).")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Embedded mode: SQLite file and file-system broker in var/, web server and worker started
# together, demo data and accounts loaded. Ctrl-C stops everything.
run: export DEBUG ?= 1
run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py runplatform $(RUN_ARGS)

migrate: $(STAMP)
	$(BIN)/python manage.py migrate --noinput

demo: export DEBUG ?= 1
demo: migrate
	$(BIN)/python manage.py seed_demo

# A worker alone (with its beat), for when the web server runs elsewhere.
worker: $(STAMP)
	mkdir -p var
	$(BIN)/celery --app spro worker --beat --loglevel INFO --schedule var/celerybeat-schedule

test: $(STAMP)
	SPRO_TESTING=1 $(BIN)/python -m pytest $(PYTEST_ARGS)

# lint-imports checks the apps' layers ([tool.importlinter] in pyproject.toml); no cache needed.
lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	SPRO_TESTING=1 $(BIN)/python manage.py makemigrations --check --dry-run

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Removes the virtualenv and the embedded data (var/: SQLite database, queue, uploaded files).
clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache .hypothesis
