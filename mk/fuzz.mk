# `make fuzz`: every fuzz target of the module, each for an equal share of
# FUZZ_TIME (a Go duration, default 10m in total; at least FUZZ_MIN each).
# Not part of `make test`: fuzzing is open-ended CPU time.
#
# Targets are discovered with `go test -list '^Fuzz'` in every package whose
# tests declare one, so a new target is fuzzed without editing this file. A
# crasher fails the run; `go test` has written it to the package's
# testdata/fuzz/<Target>/, and committed there it is a regression seed that
# every `go test` (and so `make test`) runs from then on.
FUZZ_TIME     ?= 10m
FUZZ_MIN      ?= 10
FUZZ_PARALLEL ?= 2
FUZZ_LOGS     ?= $(BIN)/fuzz

.PHONY: fuzz
fuzz:
	@set -uo pipefail; \
	total=$$(echo '$(FUZZ_TIME)' | sed -E 's/([0-9]+)h/\1*3600+/g; s/([0-9]+)m/\1*60+/g; s/([0-9]+)s/\1+/g; s/\+$$//'); \
	[[ "$$total" =~ ^[0-9*+]+$$ ]] || { echo "FUZZ_TIME=$(FUZZ_TIME): want a duration like 10m, 90s or 1h30m"; exit 2; }; \
	total=$$(( total )); mkdir -p $(FUZZ_LOGS); \
	pkgs=$$(grep -rl --include='*_test.go' '^func Fuzz' . | grep -v -e '^./bin/' -e node_modules -e '^./deploy/' | xargs -n1 dirname | sort -u); \
	$(GO) test -list '^Fuzz' $$pkgs > $(FUZZ_LOGS)/list.txt 2>&1 || { cat $(FUZZ_LOGS)/list.txt; echo "fuzz: listing the targets failed"; exit 1; }; \
	mapfile -t targets < <(awk '/^Fuzz/ {n[++c]=$$1; next} /^ok/ {for (i=1;i<=c;i++) print $$2, n[i]; c=0}' $(FUZZ_LOGS)/list.txt); \
	n=$${#targets[@]}; (( n > 0 )) || { echo "fuzz: no targets found"; exit 1; }; \
	per=$$(( total / n )); (( per < $(FUZZ_MIN) )) && per=$(FUZZ_MIN); \
	echo "fuzz: $$n targets, $${per}s each (FUZZ_TIME=$(FUZZ_TIME)), logs in $(FUZZ_LOGS)"; \
	start=$$(date +%s); fail=0; crashes=0; \
	for t in "$${targets[@]}"; do \
	  pkg=$${t% *}; name=$${t#* }; log=$(FUZZ_LOGS)/$$(echo "$$pkg" | tr / _).$$name.log; \
	  for try in 1 2; do \
	    if $(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime "$${per}s" -parallel $(FUZZ_PARALLEL) "$$pkg" > "$$log" 2>&1; then ok=1; break; fi; \
	    ok=0; grep -q -e 'Failing input written' -e 'build failed' "$$log" && break; \
	    : "the engine can miss its own deadline while stopping workers (no input written): once more"; \
	  done; \
	  if (( ok )); then \
	    echo "ok    $$name $$pkg $$(grep -o 'execs: [0-9]*' "$$log" | tail -1)"; \
	  else \
	    fail=1; grep -q 'Failing input written' "$$log" && crashes=$$((crashes+1)); \
	    echo "FAIL  $$name $$pkg: $$(grep -m1 -o 'Failing input written to .*' "$$log" || echo "no input written, see $$log")"; \
	    tail -25 "$$log"; \
	  fi; \
	done; \
	echo "fuzz: $$n targets in $$(( $$(date +%s) - start ))s, $$crashes crasher(s); commit any new file under testdata/fuzz/ as a regression seed"; \
	exit $$fail
