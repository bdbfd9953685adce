#!/usr/bin/env bash
# Fails unless the generated distribution module resolves exactly one
# collector release: core go.opentelemetry.io/collector/* at v1.67.0 (stable
# modules) or v0.161.0, every opentelemetry-collector-contrib module at v0.161.0.
set -euo pipefail
dir=${1:-cmd/periscope}
core_stable=${CORE_STABLE:-v1.67.0}
core_beta=${CORE_BETA:-v0.161.0}
contrib=${CONTRIB:-v0.161.0}

mods=$(cd "$dir" && go list -m all)
bad=$(awk -v s="$core_stable" -v b="$core_beta" -v c="$contrib" '
  $1 ~ /^go\.opentelemetry\.io\/collector(\/|$)/ && $2 != s && $2 != b { print; next }
  $1 ~ /^github\.com\/open-telemetry\/opentelemetry-collector-contrib\// && $2 != c { print }
' <<<"$mods")
core=$(grep -c '^go.opentelemetry.io/collector' <<<"$mods" || true)
ctb=$(grep -c '^github.com/open-telemetry/opentelemetry-collector-contrib/' <<<"$mods" || true)
if [[ -n "$bad" ]]; then
  echo "check-versions: modules outside collector $core_stable/$core_beta, contrib $contrib:" >&2
  echo "$bad" >&2
  exit 1
fi
echo "check-versions: $core core modules at $core_stable/$core_beta, $ctb contrib modules at $contrib"
