# The two commands the README starts with: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/gateway demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

# Each benchmark prints the gateway's figures beside its peer's or baseline's; see BENCHMARKS.md.
bench: $(STAMP)
	$(BIN)/python ops/bench/admit_bench.py
	$(BIN)/python ops/bench/e2e_bench.py
	$(BIN)/python ops/bench/mapping_bench.py
	$(BIN)/python ops/bench/canonical_bench.py
	$(BIN)/python ops/bench/x12_bench.py
	$(BIN)/python ops/bench/x12_translate_bench.py

clean:
	rm -rf $(VENV) var build *.egg-info
