# Two entry points for a fresh machine (see README):
#   make demo   installs everything, the bundled model included, and summarizes the sample articles
#   make test   installs the test tools and runs the offline test suite
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
OUT ?= out

.PHONY: demo test lint cassettes schemas bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

# llama.cpp is built for an explicit instruction set: its default native build crashes
# (SIGSEGV) on the first multi-token prompt on these machines. AVX-512 (with VNNI) when the
# CPU has it, AVX2 otherwise. No pip cache, so a wheel built with other flags is never reused.
LLAMA_AVX512 := $(shell grep -qw avx512f /proc/cpuinfo 2>/dev/null && grep -qw avx512_vnni /proc/cpuinfo 2>/dev/null && echo ON || echo OFF)
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON \
	-DGGML_AVX512=$(LLAMA_AVX512) -DGGML_AVX512_VNNI=$(LLAMA_AVX512)

$(VENV)/.local: pyproject.toml | $(BIN)/python
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip install -q --no-cache-dir -e ".[local]"
	touch $@

demo: $(VENV)/.local
	$(BIN)/summarizer model install
	$(BIN)/summarizer summarize examples/articles -o $(OUT)/summary.md

test: $(VENV)/.dev
	$(BIN)/ruff check summarizer tests bench scripts
	$(BIN)/ruff format --check summarizer tests bench scripts
	$(BIN)/mypy
	$(BIN)/pytest

cassettes: $(VENV)/.dev $(VENV)/.local
	$(BIN)/python scripts/record_cassettes.py $(ARGS)

schemas: $(VENV)/.dev
	$(BIN)/python -m summarizer.schemafiles

bench: $(VENV)/.local
	$(BIN)/python bench/local_latency.py

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .mypy_cache .ruff_cache
