#!/usr/bin/env bash
# demo.sh — runs every example plan over the demo data and prints each
# result with its time. Called by `make run`.
set -euo pipefail
cd "$(dirname "$0")/.."
SLUICE=${1:-build/release/sluice}
for plan in examples/*.plan; do
    echo "== $plan"
    grep -v '^#' "$plan" | sed 's/^/   /'
    echo
    "$SLUICE" run "$plan" --data examples/data --timing
    echo
done
