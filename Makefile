# 校友云 Alumni Cloud — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8000
NAME ?=

.PHONY: install os-packages run test lint bench demo migrate worker clean-db

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Reinstall only when the dependency list changed.
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

os-packages:
	@bash deploy/install-os-packages.sh

migrate: install
	$(PY) manage.py migrate

demo: install
	$(PY) manage.py bootstrap_demo

run: install
	$(PY) manage.py bootstrap_demo
	$(PY) manage.py runserver 0.0.0.0:$(PORT)

worker: install
	$(VENV)/bin/celery -A saas worker -l info

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

test: install os-packages lint
	DJANGO_SETTINGS_MODULE=saas.settings.test $(PY) -m pytest --create-db

bench: install
	$(PY) bench/run.py $(NAME)
