# smartmeter — two commands: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOME_DIR ?= .smartmeter
STAMP := $(VENV)/.installed
API_PORT ?= 8000
UI_PORT ?= 8501

.PHONY: help run test lint typecheck venv setup serve copilot bench eval clean

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*## "}{printf "  %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev,spark,kafka]'
	touch $(STAMP)

venv: $(STAMP) ## create .venv and install (pinned)

setup: venv ## build the demo store and knowledge index under $(HOME_DIR)
	$(BIN)/smartmeter --home $(HOME_DIR) setup

run: setup ## set up and start the API + web chat and the operator copilot
	@echo "API + web chat: http://127.0.0.1:$(API_PORT)/   (OpenAPI: http://127.0.0.1:$(API_PORT)/docs)"
	@echo "Operator copilot: http://127.0.0.1:$(UI_PORT)/"
	$(BIN)/smartmeter --home $(HOME_DIR) copilot --port $(UI_PORT) & \
	$(BIN)/smartmeter --home $(HOME_DIR) serve --demo --port $(API_PORT); \
	kill %1 2>/dev/null || true

lint: venv ## ruff, mypy and import-linter
	$(BIN)/ruff check tools knowledge assistant channels operator_ui tests bench
	$(BIN)/mypy tools knowledge assistant channels operator_ui
	$(BIN)/lint-imports

test: venv lint ## set up, lint and run the test suite
	$(BIN)/pytest -q

bench: setup ## run the benchmarks (prints figures vs a naive baseline)
	for f in bench/bench_*.py; do $(BIN)/python $$f; done

eval: setup ## run the labelled question sets
	$(BIN)/smartmeter --home $(HOME_DIR) eval

clean: ## remove the venv and the demo home
	rm -rf $(VENV) $(HOME_DIR)
