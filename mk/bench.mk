# Side-by-side CPU table: the built binary with each scenario (stock
# components, each Periscope processor alone, the full pipeline) fed the same
# GenAI traffic by cmd/periscope-loadgen; collector CPU µs/span, ratio to
# pass-through and peak RSS, in one run. Not part of `make test` (minutes of
# CPU; timing belongs in tables, not in tests).
BENCH_SPANS ?= 50000
.PHONY: bench
bench: build
	$(GO) run ./cmd/periscope-loadgen --bench --bin $(PERISCOPE) --spans $(BENCH_SPANS) --samples ../shared/data/genai-samples

# `make fuzz` lives in mk/fuzz.mk.
