# Side-by-side CPU table: the built binary with each scenario (stock
# components, each Periscope processor alone, the full pipeline) fed the same
# GenAI traffic by cmd/periscope-loadgen; collector CPU µs/span, ratio to
# pass-through and peak RSS, in one run of BENCH_ROUNDS round-robin rounds
# (medians; each ratio is taken within its round). Not part of `make test`
# (minutes of CPU; timing belongs in tables, not in tests).
BENCH_SPANS ?= 50000
BENCH_ROUNDS ?= 3
.PHONY: bench
bench: build
	$(GO) run ./cmd/periscope-loadgen --bench --bin $(PERISCOPE) --spans $(BENCH_SPANS) --rounds $(BENCH_ROUNDS) --samples ../shared/data/genai-samples

# `make fuzz` lives in mk/fuzz.mk.
