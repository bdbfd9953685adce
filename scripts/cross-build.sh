#!/usr/bin/env bash
# Compiles the generated distribution (cmd/periscope, written by `make build`)
# for another platform: a static binary, like the one `make build` produces.
#   scripts/cross-build.sh OS ARCH OUTPUT
set -euo pipefail
os=$1 arch=$2 out=$3
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$(dirname "$out")"
start=$(date +%s)
(cd "$root/cmd/periscope" && CGO_ENABLED=0 GOOS=$os GOARCH=$arch GOFLAGS=-buildvcs=false \
  go build -trimpath -ldflags='-s -w' -o "$out" .)
echo "built $out ($os/$arch) in $(( $(date +%s) - start ))s"
