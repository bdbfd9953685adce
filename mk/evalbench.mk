# Quality floors of the genai_eval evaluators (cmd/periscope-evalbench/floors.yaml),
# measured on held-out folds of group 5-fold cross-validation over the dev sets
# in ../shared/data/eval (--check defaults to --cv 5). Below a floor fails;
# above it but short of the 0.02 held-out margin is reported as SHORT.
.PHONY: evalbench-floors
evalbench-floors:
	$(GO) run ./cmd/periscope-evalbench --check

TEST_TARGETS += evalbench-floors

# evalbench-check: the registry's consistency (every registered evaluator has
# its configuration, its floor rows and its sets; see internal/eval/evaluators)
# and then the floors.
.PHONY: evalbench-check
evalbench-check:
	$(GO) test -count=1 -run 'TestEveryEvaluatorHasItsFloors|TestEverySpecIsRegistered|TestSpecs' ./cmd/periscope-evalbench ./internal/eval/evaluators
	$(GO) run ./cmd/periscope-evalbench --check
