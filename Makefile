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
RASA := $(RASA_VENV)/bin/rasa
RASA_PORT ?= 5005
# The model is named by a hash of everything it is trained from: retrained only on change.
BOT_INPUTS := config.yml requirements-rasa.lock $(sort $(wildcard bot/components/*.py bot/components/*.yml)) \
  $(sort $(shell find bot/domain bot/data nlu_data -type f -not -name '*.pyc' 2>/dev/null)) \
  knowledge/data/item_questions.yml knowledge/data/answers.yml knowledge/data/out_of_scope.yml
BOT_HASH := $(shell cat $(BOT_INPUTS) 2>/dev/null | sha256sum | cut -c1-12)
MODEL_DIR := .cache/rasa/models
MODEL := $(MODEL_DIR)/bot-$(BOT_HASH).tar.gz
KNOWLEDGE_NLU := .cache/rasa/data/knowledge_nlu.yml
RASA_DATA := --config config.yml --domain bot/domain --data nlu_data bot/data $(KNOWLEDGE_NLU)
export RASA_TELEMETRY_ENABLED := false
export SQLALCHEMY_SILENCE_UBER_WARNING := 1

.PHONY: help venv venv-rasa lock index train validate run run-scaled chromium test test-fast lint eval bench bench-dialogue simulate \
  bench-load bench-redaction intent-eval nlu-report calibrate fuzz backup restore clean

help: ## list the targets
	@echo "工友助手 — targets:"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## (.*)/  make \1\t\2/' | expand -t 22

$(STAMP): requirements.txt requirements-dev.txt requirements.lock requirements-dev.lock
	@echo "==> [1/2] main environment $(VENV) (Python 3.11): torch (CPU), sentence-transformers, faiss, FastAPI, the test tools …"
	@echo "    about 2–3 minutes the first time; skipped while requirements are unchanged"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet pip==$(PIP_VERSION)
	@# Every package from the hashed lock (runtime and development tools): a file that changed on
	@# the index is refused. torch's only hash is the CPU build's on disk, so no CUDA build of
	@# several GB can come in (torch no longer needs installing alone and first).
	$(PY) -m pip install --progress-bar on --require-hashes -r requirements-dev.lock
	@touch $@

venv: $(STAMP) ## create or update the main environment (.venv)

$(RASA_STAMP): requirements-rasa.txt requirements-rasa.lock
	@echo "==> Rasa environment $(RASA_VENV) (Python 3.10, rasa 3.6.21): about 3–4 minutes, 2.7 GB"
	@test -n "$(PY310)" || { echo "python3.10 not found: install it (pyenv install 3.10)"; exit 1; }
	@test -x $(RASA_VENV)/bin/python || $(PY310) -m venv $(RASA_VENV)
	@$(RASA_VENV)/bin/python -m pip install --quiet pip==$(PIP_VERSION)
	$(RASA_VENV)/bin/python -m pip install --progress-bar on --require-hashes -r requirements-rasa.lock
	@touch $@

venv-rasa: $(RASA_STAMP) ## create or update Rasa's environment (.venv-rasa), for the targets that need Rasa

# The locks: every package of an environment, exactly pinned, with the sha256 of each file the
# index has for that version; installs use --require-hashes. Made by pip-compile (pip-tools,
# pinned below) in a Python of the environment's version, so the markers resolve as there:
#   requirements.lock       <- requirements.txt       the runtime set (the images install it)
#   requirements-dev.lock   <- requirements-dev.txt   runtime + development tools (.venv); the
#                              runtime packages are held at the versions requirements.lock has
#   requirements-rasa.lock  <- requirements-rasa.txt  Rasa's environment (Python 3.10)
# pip-compile keeps the versions a lock already has and only adds or drops what the .txt
# files changed; to move one on: make lock LOCK_ARGS='--upgrade-package fastapi'.
PIP_VERSION := 26.3
PIP_TOOLS_VERSION := 7.7.0
LOCK_TOOLS := .cache/lock-tools
PIP_COMPILE_311 := $(LOCK_TOOLS)/pip-tools-$(PIP_TOOLS_VERSION)-py311/bin/pip-compile
PIP_COMPILE_310 := $(LOCK_TOOLS)/pip-tools-$(PIP_TOOLS_VERSION)-py310/bin/pip-compile
LOCK_ARGS ?=
PIP_COMPILE_FLAGS = --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
  --no-emit-find-links --no-emit-trusted-host $(LOCK_ARGS)

$(LOCK_TOOLS)/pip-tools-$(PIP_TOOLS_VERSION)-py%/bin/pip-compile:
	@echo "==> pip-tools $(PIP_TOOLS_VERSION) for Python $* in $(LOCK_TOOLS)"
	@rm -rf $(LOCK_TOOLS)/pip-tools-$(PIP_TOOLS_VERSION)-py$*
	@$(if $(filter 310,$*),$(PY310),$(PYTHON)) -m venv $(LOCK_TOOLS)/pip-tools-$(PIP_TOOLS_VERSION)-py$*
	@$(LOCK_TOOLS)/pip-tools-$(PIP_TOOLS_VERSION)-py$*/bin/python -m pip install --quiet \
	  pip==$(PIP_VERSION) pip-tools==$(PIP_TOOLS_VERSION)

lock: $(PIP_COMPILE_311) $(PIP_COMPILE_310) ## regenerate the hashed locks from the requirements*.txt (LOCK_ARGS='--upgrade-package X' moves X)
	@echo "==> requirements.lock (runtime, Python 3.11)"
	CUSTOM_COMPILE_COMMAND="make lock" $(PIP_COMPILE_311) $(PIP_COMPILE_FLAGS) \
	  -o requirements.lock requirements.txt
	@echo "==> requirements-dev.lock (runtime + development, Python 3.11)"
	@sed -nE 's/^([A-Za-z0-9][A-Za-z0-9._-]*==[^ ]+).*/\1/p' requirements.lock > $(LOCK_TOOLS)/runtime-pins.txt
	CUSTOM_COMPILE_COMMAND="make lock" $(PIP_COMPILE_311) $(PIP_COMPILE_FLAGS) \
	  -c $(LOCK_TOOLS)/runtime-pins.txt -o requirements-dev.lock requirements-dev.txt
	@echo "==> requirements-rasa.lock (Python 3.10)"
	CUSTOM_COMPILE_COMMAND="make lock" $(PIP_COMPILE_310) $(PIP_COMPILE_FLAGS) \
	  -o requirements-rasa.lock requirements-rasa.txt

index: venv ## convert the embedding model and build the search index (skipped when current)
	@echo "==> [2/2] embedding model and search index"
	$(PY) -m knowledge build

$(KNOWLEDGE_NLU): $(STAMP) knowledge/data/item_questions.yml knowledge/data/answers.yml knowledge/data/out_of_scope.yml
	$(PY) -m knowledge export-nlu $@

$(MODEL): | $(RASA_STAMP) $(KNOWLEDGE_NLU)
	@echo "==> training the Rasa model (NLU and dialogue; about 2 minutes) -> $(MODEL)"
	@mkdir -p $(MODEL_DIR)
	@# One line per component and the DIET/TED epochs (bot/train_progress.py); Rasa's whole
	@# output goes to .cache/rasa/train.log, and its end is shown if it fails.
	$(RASA_VENV)/bin/python bot/train_progress.py --log .cache/rasa/train.log -- \
	  $(RASA) train $(RASA_DATA) --out $(MODEL_DIR) --fixed-model-name bot-$(BOT_HASH)
	@ls -t $(MODEL_DIR)/bot-*.tar.gz | tail -n +4 | xargs -r rm -f

train: $(MODEL) ## train the Rasa model (skipped while its inputs are unchanged)

validate: venv-rasa $(KNOWLEDGE_NLU) ## rasa data validate on the domain, rules, stories and NLU data
	$(RASA) data validate $(RASA_DATA)

run: index train ## start the system: Rasa on :5005, the api with the actions on :8000
	@mkdir -p .cache/rasa
	@export API_ACTIONS_TOKEN=$${API_ACTIONS_TOKEN:-$$(openssl rand -hex 16)}; \
	export RASA_JWT_SECRET=$${RASA_JWT_SECRET:-$$(openssl rand -hex 32)}; \
	export API_RASA_JWT_SECRET=$$RASA_JWT_SECRET; \
	export RASA_ACTION_ENDPOINT=http://$(HOST):$(PORT)/webhook; \
	export KNOWLEDGE_TOPIC_URL=http://$(HOST):$(PORT)/api/knowledge/topic; \
	export RASA_TRACKER_DB=$(CURDIR)/.cache/rasa/tracker.db; \
	export API_RASA_URLS=$${API_RASA_URLS:-http://$(HOST):$(RASA_PORT)}; \
	trap 'kill 0' EXIT INT TERM; \
	$(PY) -m uvicorn --factory api.main:create_app --host $(HOST) --port $(PORT) --log-level warning & \
	$(RASA_VENV)/bin/python -m bot.serve run --model $(MODEL) --endpoints bot/endpoints.yml \
	  --credentials bot/credentials.yml --interface $(HOST) --port $(RASA_PORT) --enable-api --quiet & \
	echo "==> starting (about a minute): api + actions http://$(HOST):$(PORT), Rasa http://$(HOST):$(RASA_PORT)"; \
	until curl -sf http://$(HOST):$(PORT)/readyz >/dev/null && curl -sf http://$(HOST):$(RASA_PORT)/ >/dev/null; do sleep 2; done; \
	echo "==> 工友助手 is up.  Open the chat in a browser:  http://$(HOST):$(PORT)/"; \
	echo "    web channel API: curl -s http://$(HOST):$(PORT)/api/web/messages -H 'Content-Type: application/json' \\"; \
	echo "      -d '{\"session_id\": \"demo-session-1\", \"text\": \"老板欠我三个月工资不给怎么办\"}'"; \
	echo "    WeChat: http://$(HOST):$(PORT)/wechat   metrics: http://$(HOST):$(PORT)/metrics"; \
	echo "    staff console: http://$(HOST):$(PORT)/console   knowledge admin: http://$(HOST):$(PORT)/console/admin"; \
	echo "      (first account: .venv/bin/python -m api.staff create-admin NAME)"; \
	echo "    knowledge search: curl -s http://$(HOST):$(PORT)/api/knowledge/search -H 'Content-Type: application/json' -d '{\"text\": \"公租房\"}'"; \
	echo "    Ctrl-C stops both."; \
	wait

run-scaled: index train ## two Rasa and two api processes on the local PostgreSQL and Redis (deploy/local_cluster.py)
	RASA_MODEL=$(MODEL) $(PY) -m deploy.local_cluster

NODE_STAMP := node_modules/.installed
$(NODE_STAMP): package.json package-lock.json
	@echo "==> ESLint for the browser scripts (npm ci, from package-lock.json)"
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

lint: venv $(NODE_STAMP) ## ruff, mypy, the import contracts (lint-imports) and ESLint
	$(PY) -m ruff check .
	$(PY) -m mypy knowledge api actions tests deploy bot/train_progress.py
	$(VENV)/bin/lint-imports
	npm run --silent lint

chromium: ## Debian's Chromium for the browser tests (installed when missing)
	@test -x /usr/bin/chromium || { echo "==> installing Debian's chromium for the browser tests"; \
	  apt-get install -y -qq chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium; }; }

test: index train lint validate chromium ## lint, validate the bot, then every test (unit, model, CLI, API, Rasa end to end)
	RASA_MODEL=$(MODEL) $(PY) -m pytest

test-fast: venv chromium ## every test that needs neither the embedding model nor Rasa (the app runs on a stand-in embedder)
	$(PY) -m pytest -m "not slow" -n 2 --dist worksteal

eval: index ## retrieval quality on EVAL_FILE (default: shared/eval), with baselines
	$(PY) -m knowledge eval $(EVAL_FILE)

bench: index ## retrieval speed and memory: bench/retrieval.py
	$(PY) bench/retrieval.py

intent-eval: train ## intent accuracy of the trained bot on EVAL_FILE, per topic
	$(PY) bench/intent_eval.py $(EVAL_FILE)

bench-dialogue: train ## per-turn latency over Rasa's REST channel and memory: bench/dialogue.py
	$(PY) bench/dialogue.py

bench-load: index train ## 200 concurrent conversations x 20 turns, single-process and scaled setups: bench/load.py
	RASA_MODEL=$(MODEL) $(PY) bench/load.py

bench-redaction: venv ## personal numbers found in every written form, and ordinary numbers taken for one: bench/redaction.py
	$(PY) bench/redaction.py

FUZZ_RUNS ?= 300000
fuzz: venv ## the coverage-guided fuzzer (atheris) on the redactor and the channel parsers; crashes in .cache/fuzz/
	@for target in redactor wechat_xml json_body; do \
	  $(PY) -m tests.fuzz.run $$target --runs $(FUZZ_RUNS) --corpus .cache/fuzz/$$target/corpus || exit 1; \
	done

N ?= 1000
# A new base seed each run, to hunt beyond what make test's fixed seed covers; SEED=… replays one.
SEED ?= $(shell date +%s)
simulate: index train ## the simulated worker: N conversations x 12 turns against the real Rasa and api (SEED=…)
	@echo "==> base seed $(SEED) (make simulate N=$(N) SEED=$(SEED) repeats this run)"
	RASA_MODEL=$(MODEL) $(PY) -m tests.simulator --conversations $(N) --turns 12 --seed $(SEED)

BACKUP_FILE ?= .cache/backups/gongyou-$(shell date +%Y%m%d-%H%M%S).jsonl.gz
backup: venv ## dump the knowledge (every version), its audit log and the cases to BACKUP_FILE
	@mkdir -p $(dir $(BACKUP_FILE))
	$(PY) -m api.ops.backup dump $(BACKUP_FILE)

restore: venv ## restore FILE=… into API_DATABASE_URL (REPLACE=--replace to overwrite)
	$(PY) -m api.ops.backup restore $(FILE) $(REPLACE)

nlu-report: venv-rasa $(KNOWLEDGE_NLU) ## NLU 3-fold cross-validation (DIET and the CRF alone) -> .cache/rasa/nlu-report
	@rm -rf .cache/rasa/nlu-all && mkdir -p .cache/rasa/nlu-all && cp -r nlu_data/*.yml $(KNOWLEDGE_NLU) .cache/rasa/nlu-all/
	$(RASA) test nlu --nlu .cache/rasa/nlu-all --config config.yml --cross-validation --folds 3 \
	  --out .cache/rasa/nlu-report
	@python3 -c "import json; r=json.load(open('.cache/rasa/nlu-report/intent_report.json')); \
	  print('intent accuracy', round(r['accuracy'], 3), 'weighted F1', round(r['weighted avg']['f1-score'], 3))"

calibrate: index ## refit scoring and the scope threshold on the dev set (never on shared/eval)
	$(PY) -m knowledge calibrate $(DEV_FILES)

clean: ## remove the caches (model, index); keeps the environments
	rm -rf .cache .pytest_cache .mypy_cache .ruff_cache
