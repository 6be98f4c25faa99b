# The README names these targets. Each installs what it needs on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Node 22 LTS and the CDK CLI from package.json go first, so jsii and `cdk` use them.
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)
export CDK_DISABLE_CLI_TELEMETRY := true
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1

.PHONY: venv demo test lint typecheck unit synth bench clean chromium sandbox sandbox-env sandbox-stop

$(BIN)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

## venv: the Python virtualenv (.venv) and the pinned Node/CDK CLI (node_modules), nothing global
venv: $(BIN)/.installed node_modules/.installed

## demo: the end-to-end run on loopback (moto + the Kendra/Q Business simulator), no AWS account
demo: $(BIN)/.installed
	$(BIN)/python -m devkit.demo

## sandbox: the demo, then moto + the simulator left running on 127.0.0.1 with its tables; prints the `export` lines for every CLI command (`eval "$$(make -s sandbox)"` applies them)
sandbox:
	@$(MAKE) --no-print-directory $(BIN)/.installed >&2
	@$(BIN)/python -m devkit.sandbox start

## sandbox-env: the running sandbox's export lines again (`eval "$$(make -s sandbox-env)"` in another shell)
sandbox-env:
	@$(BIN)/python -m devkit.sandbox env

## sandbox-stop: stop the sandbox (its pid is in .sandbox/pid)
sandbox-stop:
	@$(BIN)/python -m devkit.sandbox stop

## test: lint, type-check and the whole test suite (unit, integration, infrastructure)
test: $(BIN)/.installed node_modules/.installed chromium lint typecheck
	$(BIN)/pytest

## chromium: Debian's headless browser, for the report's page test; installed only where missing
## (apt-get as root, else through sudo; the package lists are fetched first if apt knows no chromium)
chromium:
	@command -v chromium >/dev/null || { \
	  sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  apt-cache show chromium >/dev/null 2>&1 || $$sudo apt-get update; \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y --no-install-recommends chromium; \
	}

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(BIN)/.installed
	$(BIN)/mypy

## unit: the fast tests only
unit: $(BIN)/.installed
	$(BIN)/pytest tests/unit -q

## bench: load and cost on loopback: the auditor vs a naive baseline, self-healing, the outbox, Bedrock, the floor of a quiet tick, discovery, fan-out of 10,000 data sources, cold start (~25 min on 2 cores; `python -m bench.run --quick`: ~12 min)
bench: $(BIN)/.installed node_modules/.installed
	$(BIN)/python -m bench.run

## synth: synthesize the CloudFormation template offline (no credentials needed)
synth: $(BIN)/.installed node_modules/.installed
	npx cdk synth --no-notices -q

clean:
	rm -rf $(VENV) node_modules cdk.out .pytest_cache .mypy_cache .ruff_cache
