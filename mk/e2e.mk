# End to end: real GenAI clients (npm) -> bin/periscope -> Jaeger v2 + Prometheus.
# See test/e2e/README.md. Needs node/npm and Debian's prometheus (prometheus,
# promtool on PATH, or PROMETHEUS / PROMTOOL set); builds Jaeger itself from
# the separate tools module so the main module's dependencies stay untouched.
E2E_DIR     := test/e2e
E2E_CLIENTS := $(E2E_DIR)/clients
E2E_JAEGER  := $(CURDIR)/bin/e2e/jaeger
E2E_BIN      = $(or $(PERISCOPE),$(CURDIR)/bin/periscope)
PROMETHEUS  ?= $(shell command -v prometheus 2>/dev/null)
PROMTOOL    ?= $(shell command -v promtool 2>/dev/null)

TEST_TARGETS += e2e
.PHONY: e2e e2e-deps

# Jaeger v2 from test/e2e/tools (go.mod pins github.com/jaegertracing/jaeger v1.76.0 as a tool).
$(E2E_JAEGER): $(E2E_DIR)/tools/go.mod $(E2E_DIR)/tools/go.sum
	@mkdir -p $(dir $@)
	@start=$$(date +%s); \
	cd $(E2E_DIR)/tools && $(GO) build -buildvcs=false -o $(E2E_JAEGER) github.com/jaegertracing/jaeger/cmd/jaeger && \
	echo "built $(E2E_JAEGER) in $$(( $$(date +%s) - start ))s"

# npm ci only when the lock file changed since the last install.
$(E2E_CLIENTS)/node_modules/.package-lock.json: $(E2E_CLIENTS)/package.json $(E2E_CLIENTS)/package-lock.json
	cd $(E2E_CLIENTS) && npm ci --no-audit --no-fund

e2e-deps: $(E2E_JAEGER) $(E2E_CLIENTS)/node_modules/.package-lock.json

e2e: build e2e-deps
	@test -n "$(PROMETHEUS)" && test -n "$(PROMTOOL)" || \
	  { echo "e2e: prometheus and promtool not found (apt-get install -y prometheus)"; exit 1; }
	@start=$$(date +%s); \
	$(GO) vet -tags e2e ./$(E2E_DIR)/ && \
	PERISCOPE_BIN=$(E2E_BIN) JAEGER_BIN=$(E2E_JAEGER) PROMETHEUS_BIN=$(PROMETHEUS) PROMTOOL_BIN=$(PROMTOOL) \
	  $(GO) test -tags e2e -count=1 -v -timeout 15m ./$(E2E_DIR)/; rc=$$?; \
	echo "e2e: $$(( $$(date +%s) - start ))s wall time (make target, after builds)"; exit $$rc
