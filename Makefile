# envseal — the two commands a newcomer needs are `make demo` and `make test`.
GO        ?= go
BIN       := bin/envseal
CACHE     ?= $(CURDIR)/.cache
FIXTURE   := $(CACHE)/fixture-channel
DEMO_ROOT := $(CACHE)/demo-root

.PHONY: all build test vet demo bench fixture clean fuzz

all: build

build:
	$(GO) build -o $(BIN) ./cmd/envseal
	$(GO) build -o bin/envseal-fixture ./cmd/envseal-fixture

vet:
	$(GO) vet ./...

# test: static checks, then every package's tests with the race detector.
test: vet
	$(GO) test -race -count=1 -timeout 40m ./...

# fixture: a real conda channel (CPython 3.10/3.11, pip, small test packages)
# generated into .cache/ — never committed.
fixture: build
	./bin/envseal-fixture -o $(FIXTURE)

demo: fixture
	@echo "== envseal index (re-index the fixture channel, as a team hosting a private channel would)"
	./$(BIN) index $(FIXTURE)
	@echo "== envseal search -c <fixture> python"
	ENVSEAL_ROOT=$(DEMO_ROOT) ./$(BIN) search --override-channels -c $(FIXTURE) python
	@echo "== envseal search --json -c <fixture> 'pip>=24'"
	ENVSEAL_ROOT=$(DEMO_ROOT) ./$(BIN) search --json --override-channels -c $(FIXTURE) 'pip>=24'
	@echo "== envseal create --dry-run -f examples/environment.yml"
	ENVSEAL_ROOT=$(DEMO_ROOT) ./$(BIN) create --dry-run --override-channels -c $(FIXTURE) -f examples/environment.yml

bench: build
	./bench/run.sh

# fuzz: a short run of every fuzz target (FUZZTIME=30s make fuzz for longer).
FUZZTIME ?= 10s
fuzz:
	./bench/fuzz.sh $(FUZZTIME)

clean:
	rm -rf bin $(CACHE)
