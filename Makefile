# Two entry points for a fresh clone: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest clean bench schemas browser fuzz

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	@rm -rf .demo && mkdir -p .demo && cp -R examples/clean/. .demo/
	$(BIN)/guardians run --root .demo
	$(BIN)/guardians log verify --root .demo
	$(BIN)/guardians log --root .demo --format table

lint: $(STAMP)
	$(BIN)/ruff check guardians tests bench
	$(BIN)/ruff format --check guardians tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -q

test: browser lint typecheck pytest

# The HTML report is tested in a real headless Chromium (Debian's package;
# playwright drives it, it never downloads a browser). Installed when we are
# root and it is missing; otherwise the browser tests skip with a reason.
browser:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing chromium for the browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	    || echo "chromium could not be installed; browser tests will skip"; \
	else echo "chromium not found and not root: browser tests will skip"; fi

schemas: $(STAMP)
	$(BIN)/guardians schema export schemas

# Property tests over the loaders, the log reader and repair, each run again
# and again with fresh random inputs for FUZZ_SECONDS seconds.
FUZZ_SECONDS ?= 60
fuzz: $(STAMP)
	GUARDIANS_FUZZ_SECONDS=$(FUZZ_SECONDS) $(BIN)/pytest -q -p no:cacheprovider -o timeout=0 tests/test_fuzz.py

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) .demo build dist .pytest_cache .mypy_cache .ruff_cache
