# envseal — the two commands a newcomer needs are `make demo` and `make test`.
GO        ?= go
BIN       := bin/envseal
CACHE     ?= $(CURDIR)/.cache
FIXTURE   := $(CACHE)/fixture-channel
DEMO_ROOT := $(CACHE)/demo-root
ES        := ENVSEAL_ROOT=$(DEMO_ROOT) ./$(BIN)
DEMO_WORK := $(CACHE)/demo-work
# The demo's own identity, so that it never touches the user's keys.
ESW       := cd $(DEMO_WORK) && ENVSEAL_ROOT=$(DEMO_ROOT) ENVSEAL_IDENTITY_FILE=$(DEMO_WORK)/identity.txt $(CURDIR)/$(BIN)
DEMO_SECRET := demo-api-key-4f1c9e

.PHONY: all build test vet demo bench fixture clean fuzz

all: build

build:
	$(GO) build -o $(BIN) ./cmd/envseal
	$(GO) build -o bin/envseal-fixture ./cmd/envseal-fixture

# vet: also for macOS and Windows, so that code behind build tags
# (codesign, file system calls, test helpers) keeps compiling there.
vet:
	$(GO) vet ./...
	GOOS=darwin $(GO) vet ./...
	GOOS=windows $(GO) vet ./...

# test: static checks, then every package's tests with the race detector.
# The fixture channel is built first (without the race detector, which
# would make compressing CPython very slow) and handed to the end-to-end
# tests.
test: vet fixture
	ENVSEAL_TEST_FIXTURE=$(FIXTURE) $(GO) test -race -count=1 -timeout 40m ./...

# fixture: a real conda channel (CPython 3.10/3.11, pip, small test packages)
# generated into .cache/ — never committed.
fixture: build
	./bin/envseal-fixture -o $(FIXTURE)

demo: fixture
	@echo "== envseal index (re-index the fixture channel, as a team hosting a private channel would)"
	./$(BIN) index $(FIXTURE)
	@echo "== envseal search -c <fixture> python"
	$(ES) search --override-channels -c $(FIXTURE) python
	@echo "== a project folder: examples/environment.yml, plus the wheels its pip: section installs offline"
	rm -rf $(DEMO_WORK) $(DEMO_ROOT)/envs/demo $(DEMO_ROOT)/envs/demo-locked
	mkdir -p $(DEMO_WORK) && cp examples/environment.yml $(DEMO_WORK)/
	./bin/envseal-fixture -o $(FIXTURE) -wheels $(DEMO_WORK)/wheels >/dev/null
	@echo "== envseal create -n demo -f environment.yml (python=3.10, pip, a pip: section, a variable)"
	$(ESW) create -n demo --override-channels -c $(FIXTURE) -f environment.yml
	@echo "== envseal run -n demo -- python -c 'import sys; print(sys.version)'"
	$(ESW) run -n demo -- python -c 'import sys; print(sys.version)'
	@echo "== envseal run -n demo -- pip --version (its generated entry point)"
	$(ESW) run -n demo -- pip --version
	$(ESW) run -n demo -- hello
	$(ESW) run -n demo -- sh -c 'echo "DEMO_GREETING=$$DEMO_GREETING"'
	$(ESW) list -n demo
	@echo "== seal a secret for the demo environment, inside envseal.lock"
	$(ESW) secrets keygen
	printf '%s' '$(DEMO_SECRET)' | ($(ESW) secrets set DEMO_API_KEY)
	$(ESW) secrets list
	@echo "== envseal run: the secret reaches the child's environment only"
	$(ESW) run -n demo -- python -c 'import os; print("DEMO_API_KEY inside the child =", os.environ["DEMO_API_KEY"])'
	@echo "== envseal lock: pin the environment (conda and pip parts) in the same envseal.lock; the secrets section is kept"
	$(ESW) lock --override-channels -c $(FIXTURE)
	$(ESW) lock --check --override-channels -c $(FIXTURE)
	@echo "== envseal create -f envseal.lock: recreate it from the lock, without solving"
	$(ESW) create -n demo-locked -f envseal.lock
	$(ESW) run -n demo-locked -- python -c 'import os, sys; print(sys.version.split()[0], "DEMO_API_KEY =", os.environ["DEMO_API_KEY"])'
	$(ESW) run -n demo-locked -- hello
	$(ESW) export -n demo-locked
	@if grep -q '$(DEMO_SECRET)' $(DEMO_WORK)/envseal.lock; then echo "PLAINTEXT FOUND in envseal.lock"; exit 1; else echo "grep '$(DEMO_SECRET)' envseal.lock: no plaintext in the lockfile"; fi
	ENVSEAL_ROOT=$(DEMO_ROOT) ./examples/guard-demo.sh $(DEMO_WORK) $(CURDIR)/$(BIN)

bench: build
	./bench/run.sh

# fuzz: a short run of every fuzz target (FUZZTIME=30s make fuzz for longer).
FUZZTIME ?= 10s
fuzz:
	./bench/fuzz.sh $(FUZZTIME)

clean:
	rm -rf bin $(CACHE)
