#!/usr/bin/env bash
# e2e_gpu_check.sh — bench/gpu/check.sh end to end on whatever OpenCL device
# this machine has (PoCL here): SSB at SF 0.01, two runs per query, results
# into a temporary directory (never bench/results/); the table must have the
# 13 SSB queries, each with an "ok" check, run in one process per device, and
# the JSON must parse. Exits 77
# (skipped) when no OpenCL device is found.
# Usage: e2e_gpu_check.sh SLUICE_BINARY SOURCE_DIR
set -u
SLUICE=$1
SRC=$2
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/lib_e2e.sh"

skip_without_opencl e2e_gpu_check

# The OpenCL test binaries are run by ctest itself; not twice here. The
# budget is generous: on a fresh machine PoCL compiles every kernel once, and
# the sanitized binary under a busy ctest is slow; a timing never decides it.
CHECK_SLUICE=$SLUICE CHECK_OCL_TESTS=0 SSB_SF=0.01 SSB_REPEAT=2 CHECK_BUDGET_S=900 \
    CHECK_RESULTS_DIR="$TMP/results" OUT="$TMP/out" CHECK_DATA_DIR="$TMP/data" \
    bash "$SRC/bench/gpu/check.sh" >"$TMP/log" 2>&1
rc=$?
if [ "$rc" -eq 0 ]; then
    echo "ok   check.sh exit status 0"
    passed=$((passed + 1))
else
    echo "FAIL check.sh exit status $rc"
    sed 's/^/     /' "$TMP/log"
    failed=$((failed + 1))
fi

md=$TMP/results/gpu_check.md
check() { # check NAME CONDITION...
    local name=$1
    shift
    if "$@"; then echo "ok   $name"; passed=$((passed + 1)); else echo "FAIL $name"; failed=$((failed + 1)); fi
}
check "table written" test -s "$md"
check "json written" test -s "$TMP/results/gpu_check.json"
check "copies in OUT" cmp -s "$md" "$TMP/out/gpu_check.md"
check "13 query rows" test "$(grep -Ec '^\| q[1-4]\.[1-4] \|' "$md")" -eq 13
check "13 ok checks" test "$(grep -Ec '^\| q[1-4]\.[1-4] \|.*\| ok \|$' "$md")" -eq 13
check "device named" grep -Eq '^- device: .+, OpenCL device [0-9]+' "$md"
check "scale factor" grep -q 'SSB SF 0.01' "$md"
# All 13 queries in one process per device: the tables load twice in all.
check "one process per device" grep -q 'once per device (GPU: 1 process, .*; CPU: 1 process, ' "$md"
# On a machine without a GPU (PoCL) the table says so.
if grep -Eq '^- device: .*\(gpu,' "$md"; then
    check "gpu device" true
else
    check "no GPU said so" grep -q '^- note: no GPU found: ran on OpenCL device' "$md"
fi
if command -v python3 >/dev/null; then
    check "json queries" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
q = d["queries"]
assert len(q) == 13 and all(r["check"] == "ok" for r in q), q
assert all(r["gpu_median_ms"] is not None and r["cpu_median_ms"] is not None for r in q), q
assert d["sf"] == 0.01 and d["repeat"] == 2 and d["device"], d
p = d["processes"]
assert [x["device"] for x in p] == ["opencl", "cpu"] and all(x["exit"] == 0 for x in p), p
assert all(len(x["queries"]) == 13 for x in p), p
' "$TMP/results/gpu_check.json"
fi
check "nothing left in the data dir but SF 0.01" test "$(ls "$TMP/data")" = "ssb-sf0.01"

echo "e2e_gpu_check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
