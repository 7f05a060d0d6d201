# 工友助手 — `make run` starts the system, `make test` tests it. Both install what they need.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
EVAL_FILE ?= ../shared/eval/real_questions.jsonl
DEV_FILES ?= tests/data/dev_questions.jsonl tests/data/dev_holdout.jsonl
# Rasa needs Python 3.10 (pyenv has it on these machines).
PY310 ?= $(shell PYENV_VERSION=3.10.13 pyenv which python3.10 2>/dev/null || command -v python3.10)
RASA_VENV := .venv-rasa
RASA_STAMP := $(RASA_VENV)/.installed

.PHONY: help venv venv-rasa index run test test-fast lint eval bench calibrate clean

help: ## list the targets
	@echo "工友助手 — targets:"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## (.*)/  make \1\t\2/' | expand -t 22

$(STAMP): requirements.txt requirements.lock
	@echo "==> [1/2] main environment $(VENV) (Python 3.11): torch (CPU), sentence-transformers, faiss, FastAPI …"
	@echo "    about 2–3 minutes the first time; skipped while requirements are unchanged"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip
	@# torch alone and first, pinned: the CPU build lies on disk.
	$(PY) -m pip install --progress-bar on torch==2.13.0
	$(PY) -m pip install --progress-bar on -r requirements.txt -c requirements.lock
	@touch $@

venv: $(STAMP) ## create or update the main environment (.venv)

$(RASA_STAMP): requirements-rasa.txt requirements-rasa.lock
	@echo "==> Rasa environment $(RASA_VENV) (Python 3.10, rasa 3.6.21): about 3–4 minutes, 2.7 GB"
	@test -n "$(PY310)" || { echo "python3.10 not found: install it (pyenv install 3.10)"; exit 1; }
	@test -x $(RASA_VENV)/bin/python || $(PY310) -m venv $(RASA_VENV)
	@$(RASA_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(RASA_VENV)/bin/python -m pip install --progress-bar on -r requirements-rasa.txt -c requirements-rasa.lock
	@touch $@

venv-rasa: $(RASA_STAMP) ## create or update Rasa's environment (.venv-rasa), for the targets that need Rasa

index: venv ## convert the embedding model and build the search index (skipped when current)
	@echo "==> [2/2] embedding model and search index"
	$(PY) -m knowledge build

run: index ## start the system: the knowledge search API on http://127.0.0.1:8000
	@echo "==> 工友助手 knowledge API on http://$(HOST):$(PORT)  (docs: /docs; Ctrl-C stops)"
	@echo "    try: curl -s -G http://$(HOST):$(PORT)/api/knowledge/search --data-urlencode 'q=老板欠我三个月工资不给怎么办'"
	$(PY) -m uvicorn --factory api.app:create_app --host $(HOST) --port $(PORT)

lint: venv ## ruff and mypy
	$(PY) -m ruff check .
	$(PY) -m mypy knowledge api tests

test: index lint ## lint, then every test (unit, model, index, CLI, API)
	$(PY) -m pytest

test-fast: venv ## only the tests that load no model
	$(PY) -m pytest -m "not slow"

eval: index ## retrieval quality on EVAL_FILE (default: shared/eval), with baselines
	$(PY) -m knowledge eval $(EVAL_FILE)

bench: index ## retrieval speed and memory: bench/retrieval.py
	$(PY) bench/retrieval.py

calibrate: index ## refit scoring and the scope threshold on the dev set (never on shared/eval)
	$(PY) -m knowledge calibrate $(DEV_FILES)

clean: ## remove the caches (model, index); keeps the environments
	rm -rf .cache .pytest_cache .mypy_cache .ruff_cache
