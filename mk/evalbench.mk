# Quality floors of the genai_eval evaluators (cmd/periscope-evalbench/floors.yaml),
# measured on the dev sets in ../shared/data/eval.
.PHONY: evalbench-floors
evalbench-floors:
	$(GO) run ./cmd/periscope-evalbench --check

TEST_TARGETS += evalbench-floors
