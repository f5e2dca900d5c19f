#!/usr/bin/env bash
# e2e_opencl_suite.sh — the whole query suite (bench/queries: every SSB and
# TPC-H query, as SQL and as a plan file) with --device opencl on this
# machine's OpenCL device (PoCL here) gives byte for byte the rows of
# --device cpu, over generated SF 0.01 data. The SSB queries must run every
# table scan on the device (--strict); TPC-H pipelines the generator cannot
# take run on the CPU, and --strict must then fail naming them. Exits 77
# (skipped) when no OpenCL device is found.
# Usage: e2e_opencl_suite.sh SLUICE_BINARY SOURCE_DIR
set -u
SLUICE=$1
SRC=$2
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/lib_e2e.sh"

skip_without_opencl e2e_opencl_suite
"$SLUICE" gen ssb --sf 0.01 --out "$TMP/ssb" --format csv >/dev/null || exit 1
"$SLUICE" gen tpch --sf 0.01 --out "$TMP/tpch" --format csv >/dev/null || exit 1

# same NAME DATA FILE [opencl options...]: cpu and opencl rows are equal.
same() {
    local name=$1 data=$2 file=$3
    shift 3
    if ! "$SLUICE" run "$file" --data "$data" --device cpu -f csv >"$TMP/cpu.csv" 2>"$TMP/cpu.err"; then
        echo "FAIL $name: the CPU run failed"
        sed 's/^/     /' "$TMP/cpu.err"
        failed=$((failed + 1))
    elif ! "$SLUICE" run "$file" --data "$data" --device opencl "$@" -f csv >"$TMP/dev.csv" 2>"$TMP/dev.err"; then
        echo "FAIL $name: the OpenCL run failed"
        sed 's/^/     /' "$TMP/dev.err"
        failed=$((failed + 1))
    elif ! cmp -s "$TMP/cpu.csv" "$TMP/dev.csv"; then
        echo "FAIL $name: rows differ"
        diff "$TMP/cpu.csv" "$TMP/dev.csv" | head -10 | sed 's/^/     /'
        failed=$((failed + 1))
    else
        echo "ok   $name"
        passed=$((passed + 1))
    fi
}

for f in "$SRC"/bench/queries/ssb/*.sql "$SRC"/bench/queries/ssb/*.plan; do
    same "ssb $(basename "$f") --strict" "$TMP/ssb" "$f" --strict
done
for f in "$SRC"/bench/queries/tpch/*.sql "$SRC"/bench/queries/tpch/*.plan; do
    same "tpch $(basename "$f")" "$TMP/tpch" "$f"
done

# Where each pipeline runs is shown, and the device pipelines' kernels.
expect "explain names the device and the reason" 0 'pipeline [0-9]+: opencl \(.*\): --device opencl' -- \
    "$SLUICE" explain "$SRC/bench/queries/ssb/q2.1.sql" --data "$TMP/ssb" --device opencl
expect "explain --show-kernels prints OpenCL C" 0 '__kernel void sl_pipe' -- \
    "$SLUICE" explain "$SRC/bench/queries/ssb/q1.1.sql" --data "$TMP/ssb" --device opencl --show-kernels
# Q18 joins the rows of its aggregate: that probe reads an earlier
# pipeline's rows, on the CPU, so --strict refuses its builds and says why.
expect "strict lists what stays on the CPU" 1 'cannot run on the OpenCL device \(--strict\): .*builds the hash table pipeline [0-9]+ probes on the CPU' -- \
    "$SLUICE" run "$SRC/bench/queries/tpch/q18.sql" --data "$TMP/tpch" --device opencl --strict
expect "strict needs --device opencl" 2 '--strict needs --device opencl' -- \
    "$SLUICE" run "$SRC/bench/queries/ssb/q1.1.sql" --data "$TMP/ssb" --device cpu --strict
expect "an unknown device is a usage error" 2 "--device takes cpu, opencl or auto, not 'gpu'" -- \
    "$SLUICE" run "$SRC/bench/queries/ssb/q1.1.sql" --data "$TMP/ssb" --device gpu
# A device too small for the columns: same rows, with a warning; --strict fails.
expect "device memory fallback warns" 0 'warning: pipeline [0-9]+ ran on the CPU: the device ran out of memory' -- \
    env SL_OPENCL_MEMORY=16K "$SLUICE" run "$SRC/bench/queries/ssb/q1.1.sql" --data "$TMP/ssb" --device opencl
expect "device memory under --strict fails" 1 'out of device memory|budget' -- \
    env SL_OPENCL_MEMORY=16K "$SLUICE" run "$SRC/bench/queries/ssb/q1.1.sql" --data "$TMP/ssb" --device opencl --strict
# --repeat with --timing: one line per run with the bytes the scans read.
expect "repeat and timing" 0 'run 3 of 3: [0-9.]+ ms, [0-9]+ bytes scanned' -- \
    "$SLUICE" run "$SRC/bench/queries/ssb/q1.1.sql" --data "$TMP/ssb" --device opencl --repeat 3 --timing

echo "e2e_opencl_suite: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
