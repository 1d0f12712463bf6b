# LearnHub: `make run` serves the demo on http://127.0.0.1:5000 (PORT to change it);
# `make test` runs the whole test suite; `make lint` runs ruff, import-linter and mypy. All create
# .venv on first use.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
export FLASK_APP := wsgi.py

.PHONY: run test lint worker beat clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

run: $(BIN)/.installed
	$(BIN)/flask db upgrade
	$(BIN)/flask content load
	$(BIN)/flask demo seed
	$(BIN)/flask assignments remind
	@echo "LearnHub: http://127.0.0.1:$${PORT:-5000}/  (Ctrl+C stops it)"
	$(BIN)/gunicorn --workers 2 --threads 4 --bind 127.0.0.1:$${PORT:-5000} \
		--access-logfile - wsgi:app

test: $(BIN)/.installed
	$(BIN)/pytest

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

worker: $(BIN)/.installed
	$(BIN)/celery -A workers worker --loglevel INFO

beat: $(BIN)/.installed
	$(BIN)/celery -A workers beat --loglevel INFO

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
