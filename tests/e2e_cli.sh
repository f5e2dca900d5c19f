#!/usr/bin/env bash
# e2e_cli.sh — end-to-end tests of the `sluice` command: right rows for the
# example, EXPLAIN's pipelines, output formats, and one clear message with
# the right exit status for each kind of bad input.
# Usage: e2e_cli.sh SLUICE_BINARY SOURCE_DIR
set -u
SLUICE=$1
SRC=$2
DATA="$SRC/examples/data"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/lib_e2e.sh"

# The example prints exactly the expected rows, in order.
out=$("$SLUICE" run "$SRC/examples/exams.plan" --data "$DATA" --format csv)
want=$'id,result\n7,71\n3,78\n10,83\n6,88\n1,91\n8,97'
if [ "$out" == "$want" ]; then echo "ok   exams rows"; passed=$((passed + 1)); else
    echo "FAIL exams rows:"; echo "$out"; failed=$((failed + 1)); fi

expect "table format" 0 '\(6 rows\)' -- "$SLUICE" run "$SRC/examples/exams.plan" --data "$DATA"
expect "json format" 0 '^\[$' -- "$SLUICE" run "$SRC/examples/exams.plan" --data "$DATA" --format json
expect "explain pipelines" 0 'Pipeline 2 .*' -- "$SLUICE" explain "$SRC/examples/join.plan" --data "$DATA"
expect "explain probe" 0 'probe +hash table of pipeline 1' -- "$SLUICE" explain "$SRC/examples/join.plan" --data "$DATA"
expect "explain pushdown" 0 'Scan exams \[id, result\]' -- "$SLUICE" explain "$SRC/examples/exams.plan" --data "$DATA"
expect "table option" 0 '^n$' -- "$SLUICE" run -e 'table("e").agg(count(*) as n)' --table "e=$DATA/exams.csv" --format csv
expect "eval plan" 0 '^10$' -- "$SLUICE" run -e 'table("exams").agg(count(*) as n)' --data "$DATA" --format csv
expect "nulls" 0 '^4,$' -- "$SLUICE" run -e 'table("exams").where(result is null).select(id, result)' --data "$DATA" --format csv
# Several plan files: one load, each result after its name; the first error stops.
expect "several plans" 0 '== .*exams.plan ==.*== .*join.plan ==' -- \
    bash -c '"$0" run "$1/examples/exams.plan" "$1/examples/join.plan" --data "$2" -f csv | tr "\n" " "' \
    "$SLUICE" "$SRC" "$DATA"
expect "several plans, timings named" 0 '== .*join.plan ==.*run 2 of 2: [0-9.]+ ms, [0-9]+ bytes scanned' -- \
    bash -c '"$0" run "$1/examples/exams.plan" "$1/examples/join.plan" --data "$2" --repeat 2 --timing 2>&1 >/dev/null | tr "\n" " "' \
    "$SLUICE" "$SRC" "$DATA"
expect "several plans stop at the first error" 3 "cannot read plan file 'nope.plan'" -- \
    "$SLUICE" run "$SRC/examples/exams.plan" nope.plan "$SRC/examples/join.plan" --data "$DATA"
expect "several plans with -o" 2 '-o and --profile-json take one plan file' -- \
    "$SLUICE" run "$SRC/examples/exams.plan" "$SRC/examples/join.plan" --data "$DATA" -o x.csv
expect "repeat needs a count" 2 '--repeat takes a number of runs from 1 to 1000' -- \
    "$SLUICE" run "$SRC/examples/exams.plan" --data "$DATA" --repeat 0
expect "help" 0 'Usage: sluice run PLAN' -- "$SLUICE" help run
expect "run --help" 0 'Plan files:' -- "$SLUICE" run --help

"$SLUICE" run "$SRC/examples/exams.plan" --data "$DATA" --format csv -o "$TMP/out.csv"
if [ "$(head -1 "$TMP/out.csv")" == "id,result" ] && [ ! -e "$TMP/out.csv.part" ]; then
    echo "ok   output file"; passed=$((passed + 1)); else echo "FAIL output file"; failed=$((failed + 1)); fi

# A plan's write("file") step writes the result; the extension picks the format.
"$SLUICE" run -e 'table("exams").where(result > 90).select(id).write("'"$TMP"'/w.csv")' --data "$DATA"
if [ "$(cat "$TMP/w.csv" 2>/dev/null)" == $'id\n1\n8' ]; then
    echo "ok   write step"; passed=$((passed + 1)); else echo "FAIL write step"; failed=$((failed + 1)); fi
"$SLUICE" run -e 'table("exams").where(result > 95).select(id).write("'"$TMP"'/w.json")' --data "$DATA"
expect "write json" 0 '"id": ?8' -- cat "$TMP/w.json"
expect "write not last" 1 'write\(...\) must be the last step' -- "$SLUICE" run -e 'table("exams").write("x.csv").limit(1)' --data "$DATA"
expect "write in let" 1 'write\(...\) must be the last step' -- "$SLUICE" run -e 'let e = table("exams").write("x.csv"); e' --data "$DATA"
expect "write bad arg" 1 'write\(\) takes one file name' -- "$SLUICE" run -e 'table("exams").write(3)' --data "$DATA"

# Profiles: EXPLAIN ANALYZE and run --profile measure every operator.
expect "explain analyze" 0 'filter +\(result > 70\).*\(rows 10 → 6' -- "$SLUICE" explain --analyze -e 'table("exams").where(result > 70).agg(count(*) as n)' --data "$DATA"
expect "run profile" 0 'sink +hash aggregate.*\(rows 6 → 1' -- "$SLUICE" run --profile -e 'table("exams").where(result > 70).agg(count(*) as n)' --data "$DATA"
"$SLUICE" run --profile-json "$TMP/p.json" -e 'table("exams").where(result > 70).agg(count(*) as n)' --data "$DATA" >/dev/null
expect "profile json" 0 '"kind": "filter"' -- cat "$TMP/p.json"
expect "profile json needs analyze" 2 '--profile-json needs --analyze' -- "$SLUICE" explain --profile-json "$TMP/q.json" -e 'table("exams")' --data "$DATA"
expect "profile parquet output" 2 'do not work with a Parquet output' -- "$SLUICE" run --profile -e 'table("exams")' --data "$DATA" -o "$TMP/x.parquet"

# ---- bad input: one clear message, non-zero status, never a crash ----------
printf 'table("exams")\n  .where(result > )\n' >"$TMP/syntax.plan"
expect "syntax error position" 1 "syntax.plan:2:19: expected an expression" -- "$SLUICE" run "$TMP/syntax.plan" --data "$DATA"
expect "syntax error caret" 1 '^ +\^$' -- "$SLUICE" run "$TMP/syntax.plan" --data "$DATA"
expect "unknown table" 1 "unknown table 'exam'; did you mean: exams" -- "$SLUICE" run -e 'table("exam")' --data "$DATA"
expect "unknown table position" 1 '<eval>:1:1:' -- "$SLUICE" run -e 'table("exam")' --data "$DATA"
expect "unknown column" 1 "unknown column 'reslt'; did you mean: result" -- "$SLUICE" run -e 'table("exams").select(reslt)' --data "$DATA"
expect "unknown column caret" 1 '<eval>:1:23:' -- "$SLUICE" run -e 'table("exams").select(reslt)' --data "$DATA"
expect "type error" 1 "type error in '\(name > 5\)': cannot compare utf8 and int64" -- "$SLUICE" run -e 'table("exams").where(name > 5)' --data "$DATA"
expect "type error arith" 1 "cannot apply '\+' to utf8 and int64" -- "$SLUICE" run -e 'table("exams").select(name + 1)' --data "$DATA"
expect "unknown step" 1 "unknown step 'selekt'" -- "$SLUICE" run -e 'table("exams").selekt(id)' --data "$DATA"
expect "groupBy without agg" 1 'groupBy must be followed by agg' -- "$SLUICE" run -e 'table("exams").groupBy(subject)' --data "$DATA"
expect "bad limit" 1 'limit\(\) takes one non-negative integer' -- "$SLUICE" run -e 'table("exams").limit(-1)' --data "$DATA"
expect "division by zero" 1 "division by zero in" -- "$SLUICE" run -e 'table("exams").select(id % 0 as x)' --data "$DATA"
expect "undefined let" 1 "'o' is not defined" -- "$SLUICE" run -e 'table("exams").join(o, id = id)' --data "$DATA"

printf 'a,b\n1,2\n3\n' >"$TMP/short.csv"
expect "malformed csv row" 3 "short.csv:3: expected 2 fields, found 1" -- "$SLUICE" run -e 'table("t")' --table "t=$TMP/short.csv"
printf 'a,b\n1,2\n3,x\n' >"$TMP/badint.csv"
expect "bad value with schema" 3 "badint.csv:3: column 'b': 'x' is not a valid int64" -- "$SLUICE" run -e 'table("t")' --table "t=$TMP/badint.csv" --schema 'a int64, b int64'
expect "missing csv" 3 "cannot open '$TMP/nope.csv'" -- "$SLUICE" run -e 'table("t")' --table "t=$TMP/nope.csv"
expect "missing plan" 3 "cannot read plan file '$TMP/nope.plan'" -- "$SLUICE" run "$TMP/nope.plan" --data "$DATA"
expect "missing data dir" 3 "cannot open directory" -- "$SLUICE" run -e 'table("t")' --data "$TMP/nodir"
expect "unknown option" 2 "unknown option '--frobnicate'" -- "$SLUICE" run x.plan --frobnicate
expect "unknown command" 2 "unknown command 'jump'" -- "$SLUICE" jump
expect "no plan" 2 'run needs a plan file' -- "$SLUICE" run --data "$DATA"
expect "bad format" 2 "unknown format 'xml'" -- "$SLUICE" run x.plan --format xml
expect "memory limit" 1 'memory limit of 64.0 KiB exceeded in [a-z]' -- "$SLUICE" run "$SRC/examples/pricing_summary.plan" --data "$DATA" --memory-limit 64K
expect "memory limit enough" 0 '\(3 rows\)' -- "$SLUICE" run "$SRC/examples/pricing_summary.plan" --data "$DATA" --memory-limit 1G
expect "explain workers" 0 'Pipeline 1 \(device cpu, kernels [a-z0-9]+, 2048 rows per vector, up to 3 workers\)' -- "$SLUICE" explain "$SRC/examples/join.plan" --data "$DATA" --threads 3
expect "explain limit worker" 0 '1 worker: it has a limit' -- "$SLUICE" explain -e 'table("exams").limit(2)' --data "$DATA" --threads 4
expect "threads rows" 0 '^6$' -- "$SLUICE" run -e 'table("exams").where(result > 70).agg(count(*) as n)' --data "$DATA" --format csv --threads 4 --numa off
expect "bad threads" 2 "--threads takes a number of workers from 1 to 1024, not '0'" -- "$SLUICE" run x.plan --threads 0
expect "bad numa" 2 "--numa takes on or off, not 'maybe'" -- "$SLUICE" run x.plan --numa maybe
expect "bad memory limit" 2 "--memory-limit takes a size such as 512M or 2G, not '1.5G'" -- "$SLUICE" run x.plan --memory-limit 1.5G

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
