#!/usr/bin/env bash
# e2e_sql.sh — end-to-end tests of SQL in the `sluice` command: every
# examples/*.sql run with `sluice run` gives the rows of its .plan twin;
# `sluice sql` one-shot, from standard input, with --table, -o and --explain;
# and the message and exit status of each kind of bad input (1 query error,
# 2 usage, 3 file).
# Usage: e2e_sql.sh SLUICE_BINARY SOURCE_DIR
set -u
SLUICE=$1
SRC=$2
DATA="$SRC/examples/data"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/lib_e2e.sh"

ok() { echo "ok   $1"; passed=$((passed + 1)); }
bad() { echo "FAIL $1"; failed=$((failed + 1)); }

# ---- every SQL example gives the rows of its plan-file twin -----------------
for sql in "$SRC"/examples/*.sql; do
    name=$(basename "$sql" .sql)
    plan="${sql%.sql}.plan"
    [ -e "$plan" ] || continue
    if ! "$SLUICE" run "$sql" --data "$DATA" --format csv >"$TMP/sql.out" 2>"$TMP/sql.err"; then
        bad "example $name: sluice run failed: $(cat "$TMP/sql.err")"
        continue
    fi
    "$SLUICE" run "$plan" --data "$DATA" --format csv >"$TMP/plan.out" 2>&1
    # the same rows; the header may name unnamed columns differently
    if [ "$(tail -n +2 "$TMP/sql.out")" == "$(tail -n +2 "$TMP/plan.out")" ] && [ -s "$TMP/sql.out" ]; then
        ok "example $name"
    else
        bad "example $name"
        diff "$TMP/sql.out" "$TMP/plan.out" | head -10 | sed 's/^/     /'
    fi
    # and `sluice sql` reading it from standard input gives them too
    if "$SLUICE" sql --data "$DATA" --format csv <"$sql" | cmp -s - "$TMP/sql.out"; then
        ok "example $name from stdin"
    else
        bad "example $name from stdin"
    fi
done

# ---- sluice sql ---------------------------------------------------------------
out=$("$SLUICE" sql "SELECT id, result FROM exams WHERE result > 70 ORDER BY result" --data "$DATA" --format csv)
want=$'id,result\n7,71\n3,78\n10,83\n6,88\n1,91\n8,97'
if [ "$out" == "$want" ]; then ok "one-shot rows"; else bad "one-shot rows"; echo "$out"; fi

expect "one-shot table" 0 '\(6 rows\)' -- "$SLUICE" sql "select id from exams where result > 70" --data "$DATA"
expect "one-shot json" 0 '"n": ?10' -- "$SLUICE" sql "select count(*) as n from exams;" --data "$DATA" --format json
expect "table option" 0 '^math,4$' -- "$SLUICE" sql "SELECT subject, count(*) AS n FROM e GROUP BY subject ORDER BY subject" --table "e=$DATA/exams.csv" --format csv
expect "threads" 0 '^3$' -- "$SLUICE" sql "select count(*) from exams where subject = 'math' and result is not null" --data "$DATA" --format csv --threads 1
expect "explain" 0 'HashJoin semi' -- "$SLUICE" sql --explain "select o_orderkey from orders where o_orderkey in (select l_orderkey from lineitem)" --data "$DATA"
expect "stdin" 0 '^chemistry,3$' -- bash -c "printf 'select subject, count(*) as n\nfrom exams\ngroup by subject\norder by subject;\n' | '$SLUICE' sql --data '$DATA' --format csv"
expect "help" 0 'sluice sql "SELECT' -- "$SLUICE" sql --help
expect "help command" 0 'Shell commands' -- "$SLUICE" help sql

"$SLUICE" sql "select id from exams where result > 90 order by id" --data "$DATA" --format csv -o "$TMP/o.csv"
if [ "$(cat "$TMP/o.csv" 2>/dev/null)" == $'id\n1\n8' ] && [ ! -e "$TMP/o.csv.part" ]; then ok "output file"; else bad "output file"; fi

# ---- the shell, driven through a pipe is the stdin mode; with a terminal it
# ---- prompts (run only where `script` can give it one) -----------------------
if command -v script >/dev/null 2>&1; then
    printf '.tables\n.schema exams\nselect id\n  from exams where id < 3 order by id;\nselect nope from exams;\n.history\n.quit\n' >"$TMP/shell.in"
    script -qec "'$SLUICE' sql --data '$DATA' --format csv" /dev/null <"$TMP/shell.in" >"$TMP/shell.out" 2>&1
    s=$(tr -d '\r' <"$TMP/shell.out")
    if grep -q 'sluice> ' <<<"$s" && grep -q '   \.\.\.> ' <<<"$s" && grep -q '^orders$' <<<"$s" &&
        grep -q 'taken  *date' <<<"$s" && grep -Eq '^(sluice> +)?2$' <<<"$s" &&
        grep -q "unknown column 'nope'" <<<"$s" && grep -q '   1  select id' <<<"$s"; then
        ok "interactive shell"
    else
        bad "interactive shell"; echo "$s" | sed 's/^/     /'
    fi
fi

# ---- errors ---------------------------------------------------------------------
expect "syntax error" 1 'sql:1:27: expected an expression' -- "$SLUICE" sql "SELECT id FROM exams WHERE" --data "$DATA"
expect "syntax caret" 1 '^ +\^$' -- "$SLUICE" sql "SELECT id FROM exams WHERE" --data "$DATA"
expect "unsupported feature" 1 'sql:1:8: window functions are not supported' -- "$SLUICE" sql "SELECT rank() OVER (ORDER BY id) FROM exams" --data "$DATA"
expect "ilike" 1 'ILIKE is not supported' -- "$SLUICE" sql "SELECT id FROM exams WHERE name ILIKE 'A%'" --data "$DATA"
expect "like" 0 '^1$' -- "$SLUICE" sql "SELECT id FROM exams WHERE name LIKE 'A%'" --data "$DATA" --format csv
expect "unknown column" 1 "sql:1:8: unknown column 'reslt'; did you mean: result" -- "$SLUICE" sql "SELECT reslt FROM exams" --data "$DATA"
expect "unknown table" 1 "sql:1:15: unknown table 'exam'" -- "$SLUICE" sql "SELECT * FROM exam" --data "$DATA"
expect "type error" 1 'type error' -- "$SLUICE" sql "SELECT id FROM exams WHERE name > 5" --data "$DATA"
expect "run sql file error" 1 'bad.sql:2:7: unknown column' -- bash -c "printf 'SELECT id FROM exams\nWHERE nme = 1\n' >'$TMP/bad.sql'; '$SLUICE' run '$TMP/bad.sql' --data '$DATA'"
expect "stdin error name" 1 '<stdin>:1:1: expected SELECT' -- bash -c "echo 'SELEC 1' | '$SLUICE' sql --data '$DATA'"
expect "division by zero" 1 'division by zero' -- "$SLUICE" sql "SELECT id % 0 FROM exams" --data "$DATA"
expect "empty stdin" 2 'no query' -- bash -c "'$SLUICE' sql --data '$DATA' </dev/null"
expect "unknown option" 2 "unknown option '--frobnicate'" -- "$SLUICE" sql "select 1" --frobnicate
expect "two queries" 2 "unexpected argument 'SELECT 2'" -- "$SLUICE" sql "SELECT 1" "SELECT 2"
expect "bad format" 2 "unknown format 'xml'" -- "$SLUICE" sql "select id from exams" --data "$DATA" --format xml
expect "missing value" 2 'option --data needs a value' -- "$SLUICE" sql "select 1" --data
expect "bad table spec" 2 '--table takes NAME=PATH' -- "$SLUICE" sql "select 1" --table nope
expect "missing data" 3 'cannot open' -- "$SLUICE" sql "select 1" --data "$TMP/nodir"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
