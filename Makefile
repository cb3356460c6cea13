# Entry point for everything: `make help` lists the targets.
# Environments: ENV=dev|staging|prod|local (files in envs/); synth without ENV builds all of them.

SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
ENV ?=

# Every Terraform process (ours and the one cdktf-cli starts) uses the project's CLI config:
# providers from the offline mirror when the machine has one, a shared plugin cache, no checkpoint calls.
export TF_CLI_CONFIG_FILE := $(CURDIR)/.terraform.d/terraformrc
export CHECKPOINT_DISABLE := 1
export TF_IN_AUTOMATION := 1
# jsii's Node banners are silenced by tools/jsii_env.py, which main.py and the tests call before cdktf loads.
export PLATFORM_ENVS := $(ENV)

.PHONY: flows plan-report drift require-env help setup test test-unit test-functions test-validate test-emulator lint synth lambdas scan bench bootstrap plan deploy release-plan release-apply unlock state-versions state-restore local local-down clean snapshot restore-buckets destroy-layer

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "error: $(PYTHON) not found (the project runs on Python 3.11)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements.lock
	@touch $@

# checkov has its own venv: its pinned dependencies would fight the project's.
.venv-checkov/.installed: requirements-checkov.lock
	$(PYTHON) -m venv .venv-checkov
	.venv-checkov/bin/pip install --quiet --disable-pip-version-check -r requirements-checkov.lock
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

.terraform.d/terraformrc: $(VENV)/.installed tools/terraform.py
	@command -v terraform >/dev/null || { echo "error: terraform (>= 1.10) is not on PATH"; exit 1; }
	@$(PY) -m tools.terraform cli-config >/dev/null

setup: $(VENV)/.installed .venv-checkov/.installed node_modules/.installed .terraform.d/terraformrc ## Install venvs, cdktf-cli and the Terraform CLI config

lint: $(VENV)/.installed ## ruff over the whole project; mypy over envs/, modules/, stacks/, tools/ and lambdas/
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	MYPYPATH=$$(ls -d lambdas/*/ | tr '\n' ':') $(VENV)/bin/mypy --explicit-package-bases lambdas/*/*.py lambdas/shared/cc_shared

test: setup lint ## All test levels: the emulator level beside unit/functions/validate (incl. checkov), two pytest processes
	$(PY) -m tools.run_tests

test-unit: setup ## Only the unit level
	$(PY) -m pytest -m unit

test-functions: setup ## Only the Lambda handler tests (moto in-process + a real PostgreSQL server)
	$(PY) -m pytest -m functions

test-validate: setup ## Only the validate level (terraform validate + checkov on every stack)
	$(PY) -m pytest -m validate

test-emulator: setup ## Only the emulator level (applies `local` against moto_server)
	$(PY) -m pytest -m emulator

synth: setup ## Synthesize cdktf.out/stacks/<layer>-<env> for all envs (or ENV=...)
	$(PY) main.py
	@echo "synthesized: $$(ls cdktf.out/stacks | tr '\n' ' ')"

flows: $(VENV)/.installed ## Draw every env's contact flows as Mermaid pictures into docs/flows/ (README links them)
	$(PY) -m modules.connect_flows.diagram

lambdas: $(VENV)/.installed ## Build lambdas/* into reproducible zips under build/lambdas (ARCH=arm64|x86_64)
	$(PY) -m tools.build_lambdas $(or $(ARCH),arm64)

bench: setup ## Benchmark synth (floor, naive per-env, ours), RSS, Lambda builds, unit/validate times; exit 1 on a missed target
	$(PY) -m tools.bench

scan: synth ## checkov over the synthesized dev/staging/prod stacks (skips: security/checkov-skips.toml)
	$(PY) -m tools.security_scan cdktf.out/stacks

require-env:
	@test -n "$(ENV)" || { echo "error: set ENV, e.g. make $(MAKECMDGOALS) ENV=dev"; exit 2; }

bootstrap: require-env synth ## Create the env's state bucket (local state in .state/)
	$(PY) -m tools.deploy $(ENV) --only bootstrap-$(ENV)

plan: require-env synth ## terraform plan for every stack of ENV, in deployment order
	$(PY) -m tools.deploy $(ENV) --plan

plan-report: require-env synth ## PR plan report for ENV: reports/plan-<env>.md + .json; exit 3 on stateful destroys (ALLOW_STATEFUL_CHANGES=1 overrides)
	$(PY) -m tools.plan_report $(ENV) $(if $(ALLOW_STATEFUL_CHANGES),--allow-stateful-changes)

drift: require-env synth ## Refresh-only drift check of ENV: reports/drift-<env>.md + .json; exit 0 clean, 2 drift, 1 error
	$(PY) -m tools.drift $(ENV)

deploy: require-env synth ## Plan, approve (terminal, or AUTO_APPROVE=1) and apply every stack of ENV from saved plans; exit 3 if not approved
	$(PY) -m tools.release deploy $(ENV)

release-plan: require-env synth ## Saved plans of every stack of ENV + release.json (the deploy workflow's reviewed artifact)
	$(PY) -m tools.release plan $(ENV)

release-apply: require-env synth ## Apply the saved plans of release-plan; exit 4 (nothing applied) when they are stale
	$(PY) -m tools.release apply $(ENV)

unlock: require-env ## Release the state lock a killed apply left on STACK of ENV (says who held it)
	@test -n "$(STACK)" || { echo "error: set STACK, e.g. make unlock ENV=dev STACK=data"; exit 2; }
	$(PY) -m tools.state unlock $(ENV) $(STACK)

state-versions: require-env ## The versions of STACK's state object, newest first
	@test -n "$(STACK)" || { echo "error: set STACK, e.g. make state-versions ENV=dev STACK=data"; exit 2; }
	$(PY) -m tools.state versions $(ENV) $(STACK)

state-restore: require-env ## Make VERSION of STACK's state current again, then plan against it
	@test -n "$(STACK)" -a -n "$(VERSION)" || { echo "error: set STACK and VERSION (make state-versions)"; exit 2; }
	$(PY) -m tools.state restore $(ENV) $(STACK) $(VERSION)

snapshot: require-env $(VENV)/.installed ## Manual, tagged snapshot of ENV's database (REASON=...), waited for; prints the restore setting
	$(PY) -m tools.recovery snapshot $(ENV) $(if $(REASON),--reason "$(REASON)")

restore-buckets: require-env $(VENV)/.installed ## Copy ENV's data buckets back from the DR twins (FROM=replica), every version, oldest first
	@test "$(FROM)" = replica || { echo "error: set FROM=replica (the DR twins in storage.cross_region_replication_region)"; exit 2; }
	$(PY) -m tools.recovery restore-buckets $(ENV) --from $(FROM)

destroy-layer: require-env synth ## Destroy LAYER of an emulator-tier ENV (the DR drill); exit 3 on stateful destroys unless ALLOW_STATEFUL_CHANGES=1
	@test -n "$(LAYER)" || { echo "error: set LAYER, e.g. make destroy-layer ENV=local LAYER=data"; exit 2; }
	$(PY) -m tools.recovery destroy-layer $(ENV) $(LAYER) $(if $(ALLOW_STATEFUL_CHANGES),--allow-stateful-changes)

local: setup ## Start the emulator, deploy every `local` stack, print outputs (emulator keeps running)
	@$(PY) -m tools.emulator start
	@$(MAKE) --no-print-directory synth ENV=local
	$(PY) -m tools.deploy local
	@echo "The emulator keeps running for you; stop it and drop local state with: make local-down"

local-down: ## Stop the emulator started by `make local` and remove local state
	@$(PY) -m tools.emulator stop
	rm -f .state/bootstrap-local.tfstate .state/bootstrap-local.tfstate.backup
	rm -rf cdktf.out/stacks/*-local/.terraform cdktf.out/stacks/*-local/.terraform.lock.hcl

clean: ## Remove synth output and Terraform working files (keeps .state/)
	rm -rf cdktf.out .terraform.d
