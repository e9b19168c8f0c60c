# Two commands a newcomer needs: `make run` (the server, on the embedded SQLite log by default) and
# `make test` (lint, types and the test suite). Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run demo test lint typecheck pytest bench bundle clean node-tools dashboard tool-schemas

$(BIN)/python:
	@$(PYTHON) -m venv $(VENV) >&2
	@$(BIN)/python -m pip install --quiet --upgrade pip >&2

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	@$(BIN)/pip install --quiet -e . >&2
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	@$(BIN)/pip install --quiet -e ".[dev]" >&2
	@touch $@ $(VENV)/.installed

# Everything make itself prints goes to stderr: in stdio mode stdout belongs to the protocol.
run: $(VENV)/.installed
	@exec $(BIN)/workout-mcp

demo: $(VENV)/.installed
	@$(BIN)/workout-mcp demo

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests bench bundle
	$(BIN)/ruff format --check src tests bench bundle

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

# Pinned Node 22 + MCP conformance suite, Inspector and mcp-remote for the `node` tests (npm registry only).
NODE_TOOLS := tools/node_modules/.installed

$(NODE_TOOLS): tools/package.json tools/package-lock.json
	@npm ci --prefix tools --no-audit --no-fund --loglevel=error >&2
	@touch $@

node-tools: $(NODE_TOOLS)

# The dashboard MCP App: its pinned ext-apps + esbuild, and `make dashboard` to rebuild the one HTML file
# shipped in the package (src/workout_mcp/surface/apps/dashboard.html; a test checks it is fresh).
DASHBOARD_NODE := apps/dashboard/node_modules/.installed

$(DASHBOARD_NODE): apps/dashboard/package.json apps/dashboard/package-lock.json
	@npm ci --prefix apps/dashboard --no-audit --no-fund --loglevel=error >&2
	@touch $@

dashboard: $(DASHBOARD_NODE)
	@npm run --silent --prefix apps/dashboard build >&2

# The tools' JSON schemas that `tools/list` answers from without building the tools
# (src/workout_mcp/surface/tool_schemas.json; a test fails while it differs from what the SDK builds).
tool-schemas: $(VENV)/.installed
	$(BIN)/python -m workout_mcp.surface.deferred_tools

# Line and branch coverage of src/ (in-process; servers started as subprocesses are not measured).
# The figure is the last line printed; a run under COVERAGE_MIN_LINES % of lines fails. For a subset,
# e.g. `make pytest PYTEST_ARGS=tests/store COVERAGE_MIN_LINES=0`.
COVERAGE_MIN_LINES ?= 90

pytest: $(VENV)/.installed-dev $(NODE_TOOLS) $(DASHBOARD_NODE)
	$(BIN)/python -m pytest --cov --cov-report=term-missing:skip-covered --cov-report=json:.coverage.json \
	  --hypothesis-profile=coverage $(PYTEST_ARGS)
	@$(BIN)/python -c 'import json, sys; t = json.load(open(".coverage.json"))["totals"]; \
	  lines = t["percent_statements_covered"]; \
	  print("coverage: %.1f %% of lines, %.1f %% of branches (make test fails under %s %% of lines)" \
	        % (lines, t["percent_branches_covered"], sys.argv[1])); \
	  sys.exit(lines < float(sys.argv[1]))' $(COVERAGE_MIN_LINES)

test: lint typecheck pytest

# The Claude Desktop bundle (MCP Bundle, server type python, every dependency inside) for this OS and
# this Python version: double-click dist/workout-mcp.mcpb to install it.
bundle: $(VENV)/.installed $(NODE_TOOLS)
	$(BIN)/python bundle/build.py --out dist/workout-mcp.mcpb

bench: $(VENV)/.installed-dev
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage .coverage.json dist build tools/node_modules \
	  apps/dashboard/node_modules
