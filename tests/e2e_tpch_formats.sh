#!/usr/bin/env bash
# e2e_tpch_formats.sh — the same generated TPC-H data as Parquet and as CSV
# give the same answers: every example plan over TPC-H tables and a few more
# queries run over each, and their outputs must be identical byte for byte. Then a result
# written as Parquet by sluice reads back to the same rows, and a filter on a
# column the file is sorted by skips row groups yet answers the same.
# Usage: e2e_tpch_formats.sh SLUICE_BINARY SOURCE_DIR
set -u
SLUICE=$1
SRC=$2
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/lib_e2e.sh"

check() { # check NAME command...: passes when the command succeeds
    local name=$1
    shift
    if "$@"; then echo "ok   $name"; passed=$((passed + 1)); else echo "FAIL $name"; failed=$((failed + 1)); fi
}

"$SLUICE" gen tpch --sf 0.01 --out "$TMP/pq" || exit 1
"$SLUICE" gen tpch --sf 0.01 --out "$TMP/csv" --format csv || exit 1

queries=()
for plan in "$SRC"/examples/*.plan; do
    grep -q 'table("exams")' "$plan" || queries+=("$(cat "$plan")")
done
queries+=(
    'table("lineitem").where(l_shipdate >= date '"'"'1994-01-01'"'"' and l_shipdate < date '"'"'1995-01-01'"'"' and l_discount between 0.05 and 0.07 and l_quantity < 24).agg(sum(l_extendedprice * l_discount) as revenue)'
    'let c = table("customer").where(c_mktsegment = '"'"'BUILDING'"'"'); table("orders").join(c, o_custkey = c_custkey).groupBy(o_orderpriority).agg(count(*) as n, min(o_orderdate) as first, max(o_totalprice) as top).orderBy(o_orderpriority)'
    'table("part").where(p_size between 10 and 20 and p_brand <> '"'"'Brand#45'"'"').groupBy(p_type).agg(count(*) as n, avg(p_retailprice) as price).orderBy(n desc, p_type).limit(7)'
    'table("supplier").join(table("nation"), s_nationkey = n_nationkey).join(table("region"), n_regionkey = r_regionkey).groupBy(r_name).agg(count(*) as n, sum(s_acctbal) as bal).orderBy(r_name)'
)

i=0
for q in "${queries[@]}"; do
    i=$((i + 1))
    a=$("$SLUICE" run -e "$q" --data "$TMP/pq" --format csv 2>&1)
    b=$("$SLUICE" run -e "$q" --data "$TMP/csv" --format csv 2>&1)
    if [ "$a" == "$b" ] && [ -n "$a" ] && ! grep -q '^sluice:' <<<"$a"; then
        echo "ok   query $i: Parquet = CSV ($(wc -l <<<"$a") lines)"
        passed=$((passed + 1))
    else
        echo "FAIL query $i: Parquet and CSV differ"
        diff <(echo "$a") <(echo "$b") | head -10 | sed 's/^/     /'
        failed=$((failed + 1))
    fi
done

# A result written as Parquet (sorted by ship date, small row groups) reads
# back to the same rows as the CSV of the same query.
sorted='table("lineitem").select(l_orderkey, l_linenumber, l_shipdate, l_extendedprice, l_discount, l_returnflag).orderBy(l_shipdate, l_orderkey, l_linenumber)'
"$SLUICE" run -e "$sorted" --data "$TMP/pq" -o "$TMP/li_sorted.parquet" --row-group-rows 4096 --compression zstd
"$SLUICE" run -e "$sorted" --data "$TMP/pq" -o "$TMP/li_sorted.csv"
back=$("$SLUICE" run -e 'table("t")' --table "t=$TMP/li_sorted.parquet" --format csv)
check "written Parquet reads back" test "$back" == "$(cat "$TMP/li_sorted.csv")"

# A filter on the sort column: EXPLAIN names the pruning, the answer is the
# same as over the CSV.
q='table("t").where(l_shipdate between date '"'"'1995-03-01'"'"' and date '"'"'1995-03-31'"'"').agg(count(*) as n, sum(l_extendedprice) as s)'
expect "explain shows pruning" 0 'prune +row groups by min/max of l_shipdate' -- "$SLUICE" explain -e "$q" --table "t=$TMP/li_sorted.parquet"
check "pruned answer" test "$("$SLUICE" run -e "$q" --table "t=$TMP/li_sorted.parquet" --format csv)" == \
    "$("$SLUICE" run -e "$q" --table "t=$TMP/li_sorted.csv" --format csv)"

# A write("...") step in a plan writes Parquet too.
"$SLUICE" run -e 'table("nation").select(n_nationkey, n_name).write("'"$TMP"'/n.parquet")' --data "$TMP/pq"
expect "write step Parquet" 0 '^25$' -- "$SLUICE" run -e 'table("n").agg(count(*) as c)' --table "n=$TMP/n.parquet" --format csv

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
