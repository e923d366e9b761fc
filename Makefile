# Two entry points do all the set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO   ?= jointsup-data/demo

.PHONY: demo test lint neo4j-classpath bench reliability report clean assets

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

VENDOR := jointsup/static/vendor
VENDOR_FILES := react/umd/react.production.min.js react-dom/umd/react-dom.production.min.js \
                graphiql/graphiql.min.js graphiql/graphiql.min.css cytoscape/dist/cytoscape.min.js

# GraphiQL for `--dev` and cytoscape for the /explore graph explorer: pinned by package-lock.json,
# installed with npm and copied into the package (jointsup/static/vendor, git-ignored), so the
# pages never need a CDN or the network.
$(VENDOR)/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm not found: install Node.js (Debian: nodejs npm)"; exit 1; }
	npm ci --no-audit --no-fund
	mkdir -p $(VENDOR)
	cd node_modules && cp $(VENDOR_FILES) ../$(VENDOR)/
	touch $@

assets: $(VENDOR)/.installed

# Main job on the embedded store: generate the demo dataset (once), load it with the reference
# data, create a demo token and serve the API in dev mode on http://127.0.0.1:8000 (Ctrl-C stops).
demo: $(STAMP) assets
	$(BIN)/jointsup demo

# Resolve the Neo4j 5.26 jars from Maven Central and build the test launcher (cached).
neo4j-classpath: $(STAMP)
	$(BIN)/python -c "from jointsup.graph.neo4j_server import build_classpath; build_classpath()"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

# The whole suite: lint, types, and every test against both stores (a real Neo4j included).
test: lint neo4j-classpath assets
	$(BIN)/pytest

bench: $(STAMP) neo4j-classpath
	$(BIN)/python -m bench.store_bench

# Issue 9's reports: every fault and hostile-input scenario on both stores -> docs/RELIABILITY.md;
# bench/notes + bench/results -> docs/BENCHMARKS.md.
reliability: $(STAMP) neo4j-classpath assets
	$(BIN)/python -m bench.reliability

report: $(STAMP)
	$(BIN)/python -m bench.report

clean:
	rm -rf $(VENV) .cache neo4j-launcher/target jointsup-data node_modules $(VENDOR)
