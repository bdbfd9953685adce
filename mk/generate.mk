# Components are generated like contrib's: each component's metadata.yaml is
# read by mdatagen (pinned in tools/go.mod, a module of its own so the
# generator's dependencies stay out of the distribution), which writes
# internal/metadata (type, stability, TelemetryBuilder), internal/metadatatest,
# generated_component_test.go (lifecycle), generated_package_test.go (goleak),
# documentation.md and the README status block.
#
# `make generate` regenerates every component; `make generate-check` (first
# in `make test`) regenerates into the tree and fails when anything changed:
# the committed generated code must be what metadata.yaml says. It also fails
# when a component directory has no metadata.yaml.
# Built once into bin/ (`go tool` per component re-checks the module graph
# each time: ~3 s a call); each doc.go's go:generate line runs the same tool.
MDATAGEN := $(BIN)/mdatagen
COMPONENT_DIRS = $(sort $(dir $(wildcard processor/*/factory.go connector/*/factory.go exporter/*/factory.go)))
# What mdatagen writes (README.md: only its status block).
GENERATED_SUMS = find $(COMPONENT_DIRS) -maxdepth 3 -type f \
	\( -name 'generated_*.go' -o -name documentation.md -o -name README.md \) \
	! -path '*/testdata/*' | LC_ALL=C sort | xargs sha256sum

.PHONY: generate generate-check
$(MDATAGEN): tools/go.mod tools/go.sum
	@mkdir -p $(BIN)
	cd tools && $(GO) build -o $(MDATAGEN) go.opentelemetry.io/collector/cmd/mdatagen

generate: $(MDATAGEN)
	@for d in $(COMPONENT_DIRS); do \
	  test -f $$d/metadata.yaml || { echo "generate: $$d has no metadata.yaml"; exit 1; }; \
	  (cd $$d && $(MDATAGEN) metadata.yaml) || { echo "generate: mdatagen failed in $$d"; exit 1; }; \
	done
	@echo "generate: $(words $(COMPONENT_DIRS)) components"

generate-check: $(MDATAGEN)
	@start=$$(date +%s); before=$$($(GENERATED_SUMS)) || exit 1; \
	$(MAKE) --no-print-directory generate || exit 1; \
	after=$$($(GENERATED_SUMS)) || exit 1; \
	if [ "$$before" != "$$after" ]; then \
	  echo "generate-check: generated code is not what metadata.yaml says (run make generate and commit):"; \
	  changed=$$(diff <(echo "$$before") <(echo "$$after") | sed -n 's/^[<>] [0-9a-f]*  //p' | sort -u); \
	  echo "$$changed" | sed 's/^/  /'; \
	  git --no-pager diff -- $$changed 2>/dev/null | head -n 60; \
	  exit 1; \
	fi; \
	echo "generate-check: generated code is current ($$(( $$(date +%s) - start ))s)"

# First: stale generated code fails before anything is compiled.
TEST_TARGETS := generate-check $(TEST_TARGETS)
