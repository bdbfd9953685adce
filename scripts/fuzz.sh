#!/usr/bin/env bash
# Runs every fuzz target of the module for a share of FUZZ_TIME (default 10m
# in total). A crasher is written by `go test` under the package's
# testdata/fuzz/<Target>/ and fails this script: commit it, it becomes a
# regression seed that `go test` runs every time.
set -euo pipefail
cd "$(dirname "$0")/.."
total=${FUZZ_TIME:-10m}
secs=$(( $(date -d "1970-01-01 00:00:00 UTC + ${total/m/ min}" +%s 2>/dev/null || echo 600) ))
mapfile -t targets < <(grep -rl --include='*_test.go' '^func Fuzz' . | grep -v node_modules | sort | while read -r f; do
  pkg=./$(dirname "${f#./}")
  grep -o '^func Fuzz[A-Za-z0-9_]*' "$f" | sed "s|^func |$pkg |"
done)
n=${#targets[@]}
per=$(( secs / n )); (( per < 10 )) && per=10
echo "fuzz: $n targets, ${per}s each (FUZZ_TIME=$total)"
fail=0
for t in "${targets[@]}"; do
  pkg=${t% *} name=${t#* }
  ok=1
  go test -run '^$' -fuzz "^${name}\$" -fuzztime "${per}s" "$pkg" > /tmp/fuzz-$name.log 2>&1 || ok=0
  if (( ! ok )) && ! grep -q 'Failing input written' /tmp/fuzz-$name.log; then
    # The engine sometimes misses its own deadline while stopping its
    # workers ("context deadline exceeded", no failing input): run again.
    ok=1
    go test -run '^$' -fuzz "^${name}\$" -fuzztime "${per}s" "$pkg" > /tmp/fuzz-$name.log 2>&1 || ok=0
  fi
  if (( ! ok )); then
    echo "FAIL $pkg $name (see /tmp/fuzz-$name.log; the crasher is in $pkg/testdata/fuzz/$name/)"
    tail -20 /tmp/fuzz-$name.log
    fail=1
  else
    echo "ok   $pkg $name $(grep -o 'execs: [0-9]*' /tmp/fuzz-$name.log | tail -1)"
  fi
done
exit $fail
