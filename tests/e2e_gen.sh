#!/usr/bin/env bash
# e2e_gen.sh — end-to-end tests of `sluice gen`: help, one clear message with
# the right exit status for each bad argument, the files of each format and
# benchmark at SF 0.01, identical bytes for 1 and 2 threads, and queries run
# by `sluice run` over the generated data.
# Usage: e2e_gen.sh SLUICE_BINARY SOURCE_DIR
set -u
SLUICE=$1
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/lib_e2e.sh"

check() { # check NAME CONDITION...: passes when the command succeeds
    local name=$1
    shift
    if "$@"; then echo "ok   $name"; passed=$((passed + 1)); else echo "FAIL $name"; failed=$((failed + 1)); fi
}

# ---- help and usage errors --------------------------------------------------
expect "help gen" 0 'Usage: sluice gen tpch\|ssb' -- "$SLUICE" help gen
expect "gen --help" 0 '--sf X' -- "$SLUICE" gen --help
expect "no benchmark" 2 'gen needs a benchmark: tpch or ssb' -- "$SLUICE" gen --sf 1 --out "$TMP/x"
expect "unknown benchmark" 2 "unknown benchmark 'tpcc'" -- "$SLUICE" gen tpcc --sf 1 --out "$TMP/x"
expect "no sf" 2 'needs a scale factor' -- "$SLUICE" gen tpch --out "$TMP/x"
expect "sf zero" 2 "--sf must be a number greater than 0, not '0'" -- "$SLUICE" gen tpch --sf 0 --out "$TMP/x"
expect "sf negative" 2 "--sf must be a number greater than 0" -- "$SLUICE" gen tpch --sf -1 --out "$TMP/x"
expect "sf text" 2 "not 'abc'" -- "$SLUICE" gen tpch --sf abc --out "$TMP/x"
expect "sf too small" 2 'smallest scale factor is 0.01' -- "$SLUICE" gen tpch --sf 0.001 --out "$TMP/x"
expect "no out" 2 'needs an output directory' -- "$SLUICE" gen tpch --sf 0.01
expect "unknown format" 2 "unknown format 'xml'; expected parquet, csv or tbl" -- "$SLUICE" gen tpch --sf 0.01 --out "$TMP/x" --format xml
expect "unknown table" 2 "unknown table 'lineitems' for tpch; did you mean: lineitem" -- "$SLUICE" gen tpch --sf 0.01 --out "$TMP/x" --tables lineitems
expect "ssb table" 2 "unknown table 'orders' for ssb" -- "$SLUICE" gen ssb --sf 0.01 --out "$TMP/x" --tables orders
expect "unknown option" 2 "unknown option '--frobnicate'" -- "$SLUICE" gen tpch --sf 1 --out "$TMP/x" --frobnicate
expect "bad threads" 2 '--threads must be an integer' -- "$SLUICE" gen tpch --sf 1 --out "$TMP/x" --threads 0
check "usage errors write nothing" test ! -e "$TMP/x"
touch "$TMP/file"
expect "unwritable out" 3 "cannot create or write output directory '$TMP/file/sub'" -- "$SLUICE" gen tpch --sf 0.01 --out "$TMP/file/sub" --format csv

mkdir -p "$TMP/blocked/orders.tbl.part"
expect "file cannot be created" 3 "cannot create '$TMP/blocked/orders.tbl.part'" -- "$SLUICE" gen tpch --sf 0.01 --out "$TMP/blocked" --format tbl --tables nation,orders,lineitem
check "failed run leaves no partial files" test "$(ls "$TMP/blocked")" == "$(printf 'nation.tbl\norders.tbl.part')"

# ---- TPC-H as CSV and .tbl ----------------------------------------------------
expect "tpch csv" 0 '' -- "$SLUICE" gen tpch --sf 0.01 --out "$TMP/h/csv" --format csv --threads 2
for t in region nation supplier customer part partsupp orders lineitem; do
    [ -s "$TMP/h/csv/$t.csv" ] || { echo "FAIL missing $t.csv"; failed=$((failed + 1)); }
done
check "no temporary files left" test -z "$(ls "$TMP/h/csv" | grep -v '\.csv$')"
check "quiet when not a terminal" test -z "$("$SLUICE" gen tpch --sf 0.01 --out "$TMP/q" --format csv --tables nation 2>&1)"
check "orders rows" test "$(wc -l <"$TMP/h/csv/orders.csv")" -eq 15001
check "customer rows" test "$(wc -l <"$TMP/h/csv/customer.csv")" -eq 1501
check "partsupp rows" test "$(wc -l <"$TMP/h/csv/partsupp.csv")" -eq 8001
check "lineitem header" test "$(head -1 "$TMP/h/csv/lineitem.csv" | cut -d, -f1-5)" == "l_orderkey,l_partkey,l_suppkey,l_linenumber,l_quantity"

expect "tpch tbl" 0 '' -- "$SLUICE" gen tpch --sf 0.01 --out "$TMP/h/tbl1" --format tbl --threads 1
expect "tpch tbl 2 threads" 0 '' -- "$SLUICE" gen tpch --sf 0.01 --out "$TMP/h/tbl2" --format tbl --threads 2 --chunk-rows 1000
check "tbl identical on 1 and 2 threads" diff -r "$TMP/h/tbl1" "$TMP/h/tbl2"
check "tbl rows end in |" test "$(grep -vc '|$' "$TMP/h/tbl1/lineitem.tbl")" -eq 0
check "tbl has no header" test "$(head -c 2 "$TMP/h/tbl1/region.tbl")" == "0|"
check "tbl lineitem rows match csv" test "$(wc -l <"$TMP/h/tbl1/lineitem.tbl")" -eq "$(($(wc -l <"$TMP/h/csv/lineitem.csv") - 1))"
"$SLUICE" gen tpch --sf 0.01 --out "$TMP/h/seed2" --format tbl --seed 2 --tables orders
differs() { ! cmp -s "$1" "$2"; }
check "another seed, other data" differs "$TMP/h/tbl1/orders.tbl" "$TMP/h/seed2/orders.tbl"
check "--tables writes only those" test "$(ls "$TMP/h/seed2")" == "orders.tbl"

# ---- queries over the generated data ------------------------------------------------
# Q1: four (returnflag, linestatus) groups.
expect "q1 groups" 0 $'^l_returnflag,l_linestatus,n\nA,F,[0-9]+\nN,F,[0-9]+\nN,O,[0-9]+\nR,F,[0-9]+$' -- \
    "$SLUICE" run -e 'table("lineitem").where(l_shipdate <= date '"'"'1998-09-02'"'"').groupBy(l_returnflag, l_linestatus).agg(count(*) as n).orderBy(l_returnflag, l_linestatus)' --data "$TMP/h/csv" --format csv
# Every order's customer exists and has a key not divisible by 3.
expect "orders join customer" 0 '^n,bad'$'\n''15000,0$' -- \
    "$SLUICE" run -e 'table("orders").join(table("customer"), o_custkey = c_custkey).agg(count(*) as n, sum(case when o_custkey % 3 = 0 then 1 else 0 end) as bad)' --data "$TMP/h/csv" --format csv
# Q6's predicate keeps about 2% of lineitem.
q6=$("$SLUICE" run -e 'table("lineitem").where(l_shipdate >= date '"'"'1994-01-01'"'"' and l_shipdate < date '"'"'1995-01-01'"'"' and l_discount between 0.05 and 0.07 and l_quantity < 24).agg(count(*) as n)' --data "$TMP/h/csv" --format csv | tail -1)
check "q6 selectivity ~2% ($q6 rows)" test "$q6" -gt 800 -a "$q6" -lt 1600

# ---- SSB ---------------------------------------------------------------------------
expect "ssb csv" 0 '' -- "$SLUICE" gen ssb --sf 0.01 --out "$TMP/s" --format csv
for t in date customer supplier part lineorder; do
    [ -s "$TMP/s/$t.csv" ] || { echo "FAIL missing ssb $t.csv"; failed=$((failed + 1)); }
done
check "ssb date rows" test "$(wc -l <"$TMP/s/date.csv")" -eq 2558
check "ssb customer rows" test "$(wc -l <"$TMP/s/customer.csv")" -eq 301
# Q1.1 shape: lineorder joined with date on the yyyymmdd key.
expect "ssb q1.1 join" 0 '^n'$'\n''[1-9][0-9]+$' -- \
    "$SLUICE" run -e 'table("lineorder").join(table("date"), lo_orderdate = d_datekey).where(d_year = 1993 and lo_discount between 1 and 3 and lo_quantity < 25).agg(count(*) as n)' --data "$TMP/s" --format csv
expect "ssb every order date resolves" 0 '^n'$'\n''0$' -- \
    "$SLUICE" run -e 'table("lineorder").join(table("date"), lo_orderdate = d_datekey, '"'"'anti'"'"').agg(count(*) as n)' --data "$TMP/s" --format csv
"$SLUICE" gen ssb --sf 0.01 --out "$TMP/s1" --format tbl --threads 1 && "$SLUICE" gen ssb --sf 0.01 --out "$TMP/s2" --format tbl --threads 2 --chunk-rows 999
check "ssb identical on 1 and 2 threads" diff -r "$TMP/s1" "$TMP/s2"

# ---- Parquet (the default format) ------------------------------------------------------
expect "tpch parquet" 0 '' -- "$SLUICE" gen tpch --sf 0.01 --out "$TMP/p" --tables nation,orders
expect "parquet reads back" 0 '^n'$'\n''15000$' -- "$SLUICE" run -e 'table("orders").agg(count(*) as n)' --data "$TMP/p" --format csv

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
