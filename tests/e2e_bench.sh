#!/usr/bin/env bash
# e2e_bench.sh — end-to-end tests of `sluice bench`, the timing side of the
# benchmark harness: its JSON report parses and holds the right number of
# queries and runs, the right row counts and a median between the fastest
# and the slowest run, over TPC-H SF 0.01 as Parquet (loaded into memory
# first) and as CSV; the text report; usage and file errors.
# Usage: e2e_bench.sh SLUICE_BINARY SOURCE_DIR
set -u
SLUICE=$1
SRC=$2
Q="$SRC/bench/queries/tpch"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/lib_e2e.sh"

"$SLUICE" gen tpch --sf 0.01 --out "$TMP/pq" >/dev/null || { echo "FAIL gen parquet"; exit 1; }
"$SLUICE" gen tpch --sf 0.01 --out "$TMP/csv" --format csv >/dev/null || { echo "FAIL gen csv"; exit 1; }

# check_json NAME FILE DEVICE: the report in FILE is one JSON object with two
# queries (q1: 4 rows, q6: 1 row), three runs each, and sane numbers.
check_json() {
    local name=$1 file=$2 device=$3 out
    if out=$(python3 - "$file" "$device" <<'EOF' 2>&1
import json, sys
r = json.load(open(sys.argv[1]))
assert r["device"] == sys.argv[2], r["device"]
assert r["threads"] == 2, r["threads"]
assert isinstance(r["load_ms"], (int, float)) and r["load_ms"] >= 0, r["load_ms"]
qs = r["queries"]
assert len(qs) == 2, len(qs)
for q, suffix, rows in zip(qs, ("q1.sql", "q6.sql"), (4, 1)):
    assert q["query"].endswith(suffix), q["query"]
    runs = q["runs_ms"]
    assert len(runs) == 3 and all(t >= 0 for t in runs), runs
    assert min(runs) <= q["median_ms"] <= max(runs), (runs, q["median_ms"])
    assert q["min_ms"] == min(runs), (runs, q["min_ms"])
    assert q["rows"] == rows, (suffix, q["rows"])
    assert q["bytes_scanned"] > 0, q["bytes_scanned"]
EOF
    ); then
        echo "ok   $name"
        passed=$((passed + 1))
    else
        echo "FAIL $name"
        cat "$file" | sed 's/^/     /'
        echo "$out" | sed 's/^/     /'
        failed=$((failed + 1))
    fi
}

for fmt in pq csv; do
    if "$SLUICE" bench "$Q/q1.sql" "$Q/q6.sql" --data "$TMP/$fmt" --runs 3 --threads 2 --device cpu \
        --format json >"$TMP/$fmt.json" 2>"$TMP/$fmt.err"; then
        check_json "json report ($fmt)" "$TMP/$fmt.json" cpu
    else
        echo "FAIL json report ($fmt): exit status $?"
        sed 's/^/     /' "$TMP/$fmt.err"
        failed=$((failed + 1))
    fi
done

# Text: one line per query; plan files too; no warm-up.
expect "text report" 0 'q1\.sql: median [0-9.]+ ms, min [0-9.]+ ms over 2 runs, 4 rows.*q6\.sql: median [0-9.]+ ms, min [0-9.]+ ms over 2 runs, 1 rows' -- \
    bash -c '"$0" bench "$1/q1.sql" "$1/q6.sql" --data "$2" --runs 2 --warmup 0 | tr "\n" " "' "$SLUICE" "$Q" "$TMP/pq"
expect "text lines" 0 '^2$' -- \
    bash -c '"$0" bench "$1/q1.sql" "$1/q6.sql" --data "$2" --runs 1 -f text | wc -l' "$SLUICE" "$Q" "$TMP/pq"
expect "plan file, one table" 0 'q6\.plan: median .* over 1 runs, 1 rows' -- \
    "$SLUICE" bench "$Q/q6.plan" --table "lineitem=$TMP/pq/lineitem.parquet" --runs 1
expect "help" 0 'Usage: sluice bench QUERY' -- "$SLUICE" help bench
expect "bench --help" 0 '--warmup W' -- "$SLUICE" bench --help
expect "main help lists bench" 0 'sluice bench QUERY' -- "$SLUICE" help

# Errors: usage (2), a missing file (3), a bad query (1); nothing on stdout.
expect "runs 0" 2 "--runs takes a number of runs from 1 to 1000, not '0'" -- \
    "$SLUICE" bench "$Q/q1.sql" --data "$TMP/pq" --runs 0
expect "runs 1001" 2 "--runs takes a number of runs from 1 to 1000, not '1001'" -- \
    "$SLUICE" bench "$Q/q1.sql" --data "$TMP/pq" --runs 1001
expect "runs not a number" 2 "--runs takes a number of runs from 1 to 1000, not '3x'" -- \
    "$SLUICE" bench "$Q/q1.sql" --data "$TMP/pq" --runs 3x
expect "warmup 101" 2 "--warmup takes a number of warm-up runs from 0 to 100, not '101'" -- \
    "$SLUICE" bench "$Q/q1.sql" --data "$TMP/pq" --warmup 101
expect "warmup negative" 2 "--warmup takes a number of warm-up runs from 0 to 100, not '-1'" -- \
    "$SLUICE" bench "$Q/q1.sql" --data "$TMP/pq" --warmup -1
expect "runs needs a value" 2 'option --runs needs a value' -- "$SLUICE" bench "$Q/q1.sql" --data "$TMP/pq" --runs
expect "bad format" 2 "--format takes json or text, not 'csv'" -- \
    "$SLUICE" bench "$Q/q1.sql" --data "$TMP/pq" --format csv
expect "no output file" 2 'takes no -o' -- "$SLUICE" bench "$Q/q1.sql" --data "$TMP/pq" -o "$TMP/x"
expect "no query" 2 'bench needs a query file' -- "$SLUICE" bench --data "$TMP/pq"
expect "bad threads" 2 "--threads takes a number of workers from 1 to 1024, not '0'" -- \
    "$SLUICE" bench "$Q/q1.sql" --data "$TMP/pq" --threads 0
expect "missing query" 3 "cannot read query file '$TMP/nope.sql'" -- \
    "$SLUICE" bench "$Q/q1.sql" "$TMP/nope.sql" --data "$TMP/pq"
expect "missing query, no report" 0 '^0$' -- \
    bash -c '"$0" bench "$1/q1.sql" "$2/nope.sql" --data "$2/pq" 2>/dev/null | wc -c' "$SLUICE" "$Q" "$TMP"
expect "missing data" 3 'cannot open directory' -- "$SLUICE" bench "$Q/q1.sql" --data "$TMP/nodir"
printf 'SELECT nope FROM lineitem\n' >"$TMP/bad.sql"
expect "bad query" 1 "unknown column 'nope'" -- "$SLUICE" bench "$Q/q6.sql" "$TMP/bad.sql" --data "$TMP/pq"
expect "bad query, no report" 0 '^0$' -- \
    bash -c '"$0" bench "$1/q6.sql" "$2/bad.sql" --data "$2/pq" --format json 2>/dev/null | wc -c' \
    "$SLUICE" "$Q" "$TMP"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
