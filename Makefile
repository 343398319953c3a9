# Set-up is part of every target: a fresh clone needs only `make scan` or `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: scan test lint typecheck eval bench bench-scan realworld schema client e2e e2e-nvim e2e-vscode clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

scan: $(STAMP)  ## scan the shipped fixtures and print the summary table
	$(BIN)/hptlens scan fixtures

test: lint typecheck  ## lint, type-check, then run the whole test suite
	$(BIN)/python -m pytest -q

lint: $(STAMP)  ## ruff: lint rules and formatting (configured in pyproject.toml)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)  ## mypy over server/hptlens (configured in pyproject.toml)
	$(BIN)/mypy

eval: $(STAMP)  ## score a fresh scan of fixtures/ against ground_truth/
	$(BIN)/hptlens eval --truth ground_truth

bench: $(STAMP)  ## issue 13's speed targets, each with its figure and the peers installed (not a test; several minutes)
	$(BIN)/python bench/bench_targets.py

bench-scan: $(STAMP)  ## in-process scan throughput against the parse-only floor, with findings (not a test)
	$(BIN)/python bench/bench_scan.py

realworld: $(STAMP)  ## score hptlens on the real-world corpus (needs the git mirrors it names; not a test)
	$(BIN)/python bench/realworld/realworld.py score --json $${REALWORLD_JSON:-/tmp/hptlens-realworld.json}

schema: $(STAMP)  ## regenerate schema/ from the pydantic models
	$(BIN)/hptlens schema --write schema

client:  ## VS Code extension: clean npm install, type-check, bundle, unit tests, package client/hptlens.vsix
	cd client && npm ci && npm test && npx vsce package --out hptlens.vsix
	$(PYTHON) -c "import sys, zipfile; sys.exit(0 if 'extension/out/extension.js' in zipfile.ZipFile('client/hptlens.vsix').namelist() else 'client/hptlens.vsix lacks extension/out/extension.js')"

e2e: e2e-nvim e2e-vscode  ## end-to-end tests in real editors (system packages from .ci/system-deps)

e2e-nvim: $(STAMP)  ## headless Neovim (Debian's) drives `hptlens serve` with its built-in LSP client
	bash .ci/system-deps
	bash e2e/nvim/run.sh

e2e-vscode: $(STAMP)  ## code-server (VS Code 1.100) with client/hptlens.vsix, checked in headless Chromium by Playwright
	bash .ci/system-deps
	bash e2e/vscode/run.sh

clean:
	rm -rf $(VENV) build *.egg-info server/*.egg-info .pytest_cache
