# Periscope — build, run and test. `make run` and `make test` are the two
# commands a new checkout needs; everything else is a step of those.
SHELL := /bin/bash
GO    ?= go
OCB_VERSION := v0.161.0
BIN   := $(CURDIR)/bin
OCB   := $(BIN)/ocb

MANIFEST  := builder-config.yaml
# Version of the distribution: VERSION plus the commit and its date as semver
# build metadata (`periscope --version`: 0.2.0-dev+3f2a1c9e0b7d.20261205T031500Z).
VERSION       := $(shell cat VERSION)
COMMIT        := $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
COMMIT_DATE   := $(shell TZ=UTC git log -1 --format=%cd --date=format-local:%Y%m%dT%H%M%SZ 2>/dev/null || echo unknown)
BUILD_VERSION := $(VERSION)+$(COMMIT).$(COMMIT_DATE)
STAMPED       := .builder-config.stamped.yaml
DIST_DIR  := cmd/periscope
PERISCOPE := $(BIN)/periscope
CONFIG    ?= config/default.yaml

# Sources that end up in the binary: the module's non-test Go files (not the
# generated distribution, not test-only trees), go.mod/go.sum and the manifest.
# A change to any of them rebuilds; nothing else does.
BUILD_INPUTS := $(shell find . -name '*.go' ! -name '*_test.go' \
	! -path './$(DIST_DIR)/*' ! -path './bin/*' ! -path './test/*' ! -path './_build/*' \
	! -path '*/testdata/*' ! -path '*/node_modules/*' ! -path './.git/*' 2>/dev/null) \
	go.mod go.sum $(MANIFEST) $(BIN)/.version

# `make test` runs the cheap checks first: unit tests, the distribution build,
# its single-release check and the smoke test; component owners append their
# checks (quality floors, e2e) to TEST_TARGETS in mk/*.mk.
TEST_TARGETS := unit build check-versions smoke
include $(wildcard mk/*.mk)

.PHONY: test unit build run ocb check-versions smoke clean FORCE
unit:
	$(GO) vet ./...
	$(GO) test -count=1 ./...
	# Components are called concurrently by receivers: the race detector
	# runs over every component package too.
	$(GO) test -race -count=1 ./internal/... ./processor/... ./connector/... ./exporter/...

test: $(TEST_TARGETS)

# ocb, pinned to the collector release the distribution uses.
ocb: $(OCB)
$(OCB):
	@mkdir -p $(BIN)
	GOBIN=$(BIN) $(GO) install go.opentelemetry.io/collector/cmd/builder@$(OCB_VERSION)
	ln -sf builder $(OCB)

# The version stamp changes with every commit: the binary says which it is.
$(BIN)/.version: FORCE
	@mkdir -p $(BIN)
	@echo "$(BUILD_VERSION)" | cmp -s - $@ || echo "$(BUILD_VERSION)" > $@

build: $(PERISCOPE)
$(PERISCOPE): $(OCB) $(BUILD_INPUTS)
	@start=$$(date +%s); \
	sed 's/^  version: .*/  version: $(BUILD_VERSION)/' $(MANIFEST) > $(STAMPED) && \
	CGO_ENABLED=0 GOFLAGS=-buildvcs=false $(OCB) --config $(STAMPED) && \
	cp $(DIST_DIR)/periscope $(PERISCOPE) && \
	echo "built $(PERISCOPE) in $$(( $$(date +%s) - start ))s ($$(du -h $(PERISCOPE) | cut -f1))"

# Exactly one collector release in the generated module (ocb does not check
# transitive requirements; a stray newer core module would slip in silently).
check-versions: $(PERISCOPE)
	scripts/check-versions.sh $(DIST_DIR)

# End-to-end: the built binary receives every GenAI sample over OTLP/HTTP.
smoke: $(PERISCOPE)
	PERISCOPE_BIN=$(PERISCOPE) $(GO) test -count=1 -v -timeout 15m ./test/smoke/

run: $(PERISCOPE)
	@mkdir -p data
	$(PERISCOPE) --config $(CONFIG)

clean:
	rm -rf $(BIN) $(DIST_DIR)/*.go $(DIST_DIR)/go.mod $(DIST_DIR)/go.sum $(DIST_DIR)/periscope $(STAMPED)
