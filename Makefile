# Two entry points for a fresh clone: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# The migration linter's hot modules, compiled with mypyc next to their sources
# (tools/compile.py; the list is in pyproject.toml). Rebuilt when any source changes;
# a failed build leaves pure Python, which gives the same results.
COMPILED := $(VENV)/.compiled

.PHONY: demo demo-signed test lint typecheck pytest clean bench schemas browser ssh fuzz servers demo-real compile

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

$(COMPILED): $(STAMP) pyproject.toml tools/compile.py $(shell find guardians -name '*.py')
	$(BIN)/python tools/compile.py
	touch $(COMPILED)

compile: $(COMPILED)

demo: $(COMPILED)
	@rm -rf .demo && mkdir -p .demo && cp -R examples/clean/. .demo/
	$(BIN)/guardians run --root .demo
	$(BIN)/guardians log verify --root .demo
	$(BIN)/guardians log --root .demo --format table

# The clean example, signed: a throw-away Ed25519 key and allowed_signers outside
# the root, a signed run, then stock OpenSSH checks an output and a log entry.
SIGNED := .demo-signed
demo-signed: $(STAMP) ssh
	@rm -rf $(SIGNED) && mkdir -p $(SIGNED)/root $(SIGNED)/keys && chmod 700 $(SIGNED)/keys
	@cp -R examples/clean/. $(SIGNED)/root/
	ssh-keygen -q -t ed25519 -N '' -C guardians -f $(SIGNED)/keys/guardians
	echo "guardians namespaces=\"guardians-decision\" $$(cut -d' ' -f1,2 $(SIGNED)/keys/guardians.pub)" > $(SIGNED)/keys/allowed_signers
	@# The example's health report is hand-written; under an anchor only signed health evidence counts (PRC108).
	@# `guardians probe` signs what it measures; with no live services here, sign the report the same way.
	ssh-keygen -q -Y sign -f $(SIGNED)/keys/guardians -n guardians-decision \
	  $(SIGNED)/root/docs/specs/epic_1/consensus/artifacts/health_report.json
	GUARDIANS_ALLOWED_SIGNERS=$(SIGNED)/keys/allowed_signers GUARDIANS_SIGNING_KEY=$(SIGNED)/keys/guardians \
	  $(BIN)/guardians run --root $(SIGNED)/root
	GUARDIANS_ALLOWED_SIGNERS=$(SIGNED)/keys/allowed_signers $(BIN)/guardians log verify --root $(SIGNED)/root
	ssh-keygen -Y verify -f $(SIGNED)/keys/allowed_signers -I guardians -n guardians-decision \
	  -s $(SIGNED)/root/docs/specs/epic_1/consensus/artifacts/deployment.json.sig \
	  < $(SIGNED)/root/docs/specs/epic_1/consensus/artifacts/deployment.json
	$(BIN)/python -c 'import json,sys; e=json.loads(open(sys.argv[1]).readline()); open(sys.argv[2],"w").write(e["sig"]); open(sys.argv[3],"w").write(e["hash"])' \
	  $(SIGNED)/root/docs/specs/epic_1/consensus/decision_log.jsonl $(SIGNED)/entry1.sig $(SIGNED)/entry1.hash
	ssh-keygen -Y verify -f $(SIGNED)/keys/allowed_signers -I guardians -n guardians-decision \
	  -s $(SIGNED)/entry1.sig < $(SIGNED)/entry1.hash

lint: $(STAMP)
	$(BIN)/ruff check guardians tests bench tools
	$(BIN)/ruff format --check guardians tests bench tools

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(COMPILED)
	$(BIN)/pytest -q

test: browser ssh servers lint typecheck pytest

# Checkpoint and probe tests run real PostgreSQL and Redis servers (started by
# the tests themselves on free loopback ports in temp dirs). Installed from
# Debian when we are root and they are missing; a policy-rc.d keeps apt from
# starting system-wide services. Under CI=true the tests fail without them.
servers:
	@if command -v pg_dump >/dev/null 2>&1 && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
	  && command -v redis-server >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing postgresql and redis-server for the checkpoint and probe tests"; \
	  policy=/usr/sbin/policy-rc.d; made=; \
	  if [ ! -e $$policy ]; then printf '#!/bin/sh\nexit 101\n' > $$policy && chmod +x $$policy && made=1; fi; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql redis-server >/dev/null) \
	    || echo "postgresql/redis could not be installed; their tests will skip (and fail under CI=true)"; \
	  if [ -n "$$made" ]; then rm -f $$policy; fi; \
	else echo "postgresql/redis not found and not root: their tests will skip"; fi

# The real-backup example end to end against throwaway local servers:
# checkpoint + restore test, the destructive migration approved, probe, operational.
demo-real: $(STAMP) servers
	$(BIN)/python examples/real-backup/run_demo.py

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

# The trust tests make keys and check signatures with stock OpenSSH (ssh-keygen).
ssh:
	@if command -v ssh-keygen >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing openssh-client for the signature tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssh-client >/dev/null) \
	    || echo "openssh-client could not be installed; signature tests will skip"; \
	else echo "ssh-keygen not found and not root: signature tests will skip"; fi

schemas: $(STAMP)
	$(BIN)/guardians schema export schemas

# Property tests over the loaders, the log reader and repair, each run again
# and again with fresh random inputs for FUZZ_SECONDS seconds.
FUZZ_SECONDS ?= 60
fuzz: $(STAMP)
	GUARDIANS_FUZZ_SECONDS=$(FUZZ_SECONDS) $(BIN)/pytest -q -p no:cacheprovider -o timeout=0 tests/test_fuzz.py

bench: $(COMPILED)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) .demo $(SIGNED) build dist .pytest_cache .mypy_cache .ruff_cache
	find guardians -name "*.so" -delete; rm -f ./*__mypyc.*.so
