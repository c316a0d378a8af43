# 校友云 Alumni Cloud — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8000
NAME ?=

.PHONY: install os-packages run test lint bench demo migrate worker beat

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Reinstall only when the dependency list changed.
$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Front-end vendor files come from the npm registry, never from the repo (saas/static/vendor/ is
# gitignored): ECharts 5 for the statistics charts, and the China province GeoJSON that only the
# echarts@4 package still ships (map/json/china.json). Without npm the charts fall back to tables.
ECHARTS_DIR := saas/static/vendor/echarts
$(ECHARTS_DIR)/echarts.min.js:
	@mkdir -p $(ECHARTS_DIR) var/npm
	@(cd var/npm && npm pack --silent echarts@5.6.0 echarts@4.9.0 >/dev/null \
	  && tar -xzf echarts-5.6.0.tgz -C ../../$(ECHARTS_DIR) --strip-components=2 package/dist/echarts.min.js \
	  && tar -xzf echarts-4.9.0.tgz -C ../../$(ECHARTS_DIR) --strip-components=3 package/map/json/china.json) \
	  || echo "warning: could not fetch ECharts from npm; statistics will show tables only"

# The check-in scanner's QR decoder (jsQR) and Ed25519 verifier for browsers without WebCrypto
# Ed25519 (tweetnacl). Without them the scanner still takes USB scanners and typed codes.
SCANNER_DIR := saas/static/vendor/scanner
$(SCANNER_DIR)/jsQR.js:
	@mkdir -p $(SCANNER_DIR) var/npm
	@(cd var/npm && npm pack --silent jsqr@1.4.0 tweetnacl@1.0.3 >/dev/null \
	  && tar -xzf jsqr-1.4.0.tgz -C ../../$(SCANNER_DIR) --strip-components=2 package/dist/jsQR.js \
	  && tar -xzf tweetnacl-1.0.3.tgz -C ../../$(SCANNER_DIR) --strip-components=1 package/nacl-fast.min.js) \
	  || echo "warning: could not fetch jsQR/tweetnacl from npm; the scanner works without a camera"

install: $(STAMP) $(ECHARTS_DIR)/echarts.min.js $(SCANNER_DIR)/jsQR.js

os-packages:
	@bash deploy/install-os-packages.sh

migrate: install
	$(PY) manage.py migrate

demo: install
	$(PY) manage.py bootstrap_demo

# PLATFORM_PORT follows PORT so the printed URLs and the schools' sites match the server.
run: install
	PLATFORM_PORT=$(PORT) $(PY) manage.py bootstrap_demo
	PLATFORM_PORT=$(PORT) $(PY) manage.py runserver 0.0.0.0:$(PORT)

# A real worker and the periodic jobs (campaign ticks, birthdays): set REDIS_URL first.
worker: install
	$(VENV)/bin/celery -A saas worker -l info

beat: install
	$(VENV)/bin/celery -A saas beat -l info

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

test: install os-packages lint
	DJANGO_SETTINGS_MODULE=saas.settings.test $(PY) -m pytest --create-db

bench: install
	$(PY) bench/run.py $(NAME)
