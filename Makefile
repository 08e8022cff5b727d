# ferroseal: SBOMs, attestations and verification for Rust builds.
#   make demo   build the example workspace and run the release pipeline on it
#   make test   install the pinned test tools (cached in .tools/) and run every test
SHELL := bash
GO ?= go
export GOTOOLCHAIN := local
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
LDFLAGS := -X github.com/ferroseal/ferroseal/internal/version.Linked=$(VERSION)
FUZZTIME ?= 15s

.PHONY: all build install tools examples test test-short demo fuzz bench lint golden clean

all: build

# A static binary (no cgo): it starts faster and maps less memory than one linked against libc.
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/ferroseal ./cmd/ferroseal

install:
	CGO_ENABLED=0 $(GO) install -trimpath -ldflags '$(LDFLAGS)' ./cmd/ferroseal

tools:
	scripts/install-tools.sh test

# The examples' binaries with their cargo-auditable data (.tools/examples/), which the binary tests read.
examples:
	scripts/build-examples.sh

# Every test, with the external tools required: a missing tool fails the run instead of skipping tests.
test: tools examples
	FERROSEAL_REQUIRE_TOOLS=1 $(GO) test -count=1 ./...

# Unit tests only: no external tools, no cargo builds.
test-short:
	$(GO) test -short ./...

demo: build
	scripts/demo.sh

fuzz:
	scripts/fuzz.sh $(FUZZTIME)

bench: build
	scripts/install-tools.sh bench
	scripts/bench.sh

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...

golden:
	$(GO) test ./... -run Golden -update

clean:
	rm -rf bin demo-out bench-out
