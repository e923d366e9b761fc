# Two entry points do all the set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO   ?= jointsup-data/demo

.PHONY: demo test lint neo4j-classpath bench clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

# Main job on the embedded store: generate the demo dataset (once), load it with the
# reference data, and show what the graph holds.
demo: $(STAMP)
	$(BIN)/jointsup ingest reference
	test -f $(DEMO)/manifest.json || $(BIN)/jointsup demo generate --out $(DEMO) --enterprises 20000 --seed 1
	$(BIN)/jointsup ingest dir $(DEMO)
	$(BIN)/jointsup stats

# Resolve the Neo4j 5.26 jars from Maven Central and build the test launcher (cached).
neo4j-classpath: $(STAMP)
	$(BIN)/python -c "from jointsup.graph.neo4j_server import build_classpath; build_classpath()"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

# The whole suite: lint, types, and every test against both stores (a real Neo4j included).
test: lint neo4j-classpath
	$(BIN)/pytest

bench: $(STAMP) neo4j-classpath
	$(BIN)/python -m bench.store_bench

clean:
	rm -rf $(VENV) .cache neo4j-launcher/target jointsup-data
