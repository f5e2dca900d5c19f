#!/usr/bin/env python3
"""Runs every examples/*.plan in sluice and its examples/*.sql twin in DuckDB
on the same CSV data, and compares the rows: integers, strings, dates and
decimals exactly, floats to a relative 1e-9. Queries with ORDER BY are
compared in order, others as sorted multisets.

Usage: oracle_examples.py SLUICE_BINARY SOURCE_DIR [DATA_DIR]
(DATA_DIR defaults to SOURCE_DIR/examples/data; scripts/gen-demo-data.py
--orders N --out DIR makes a larger one.)
"""
import decimal
import glob
import json
import os
import re
import subprocess
import sys

import duckdb

from duck_oracle import duck_type, same, sluice_schemas


def main():
    sluice, src = sys.argv[1], sys.argv[2]
    data = sys.argv[3] if len(sys.argv) > 3 else os.path.join(src, "examples", "data")
    con = duckdb.connect()
    for table, cols in sluice_schemas(sluice, data).items():
        types = ", ".join("'%s': '%s'" % (n, duck_type(t)) for n, t in cols)
        con.execute("CREATE TABLE %s AS SELECT * FROM read_csv('%s', header=true, columns={%s})"
                    % (table, os.path.join(data, table + ".csv"), types))
    passed = failed = 0
    for plan in sorted(glob.glob(os.path.join(src, "examples", "*.plan"))):
        sql_path = plan[:-5] + ".sql"
        name = os.path.basename(plan)
        if not os.path.exists(sql_path) or not all(
                os.path.exists(os.path.join(data, t + ".csv")) for t in re.findall(r'table\("(\w+)"\)', open(plan).read())):
            continue
        run = subprocess.run([sluice, "run", plan, "--data", data, "--format", "json"],
                             capture_output=True, text=True)
        if run.returncode != 0:
            print("FAIL %s: sluice exited %d: %s" % (name, run.returncode, run.stderr.strip()))
            failed += 1
            continue
        got = [list(r.values()) for r in json.loads(run.stdout, parse_float=decimal.Decimal)]
        sql = open(sql_path).read()
        want = [list(r) for r in con.execute(sql).fetchall()]
        if "order by" not in sql.lower():
            got.sort(key=repr)
            want.sort(key=repr)
        problem = None
        if len(got) != len(want):
            problem = "%d rows, DuckDB has %d" % (len(got), len(want))
        else:
            for i, (g, w) in enumerate(zip(got, want)):
                if len(g) != len(w) or not all(same(a, b) for a, b in zip(g, w)):
                    problem = "row %d: sluice %r, DuckDB %r" % (i, g, w)
                    break
        if problem:
            print("FAIL %s: %s" % (name, problem))
            failed += 1
        else:
            print("ok   %s (%d rows)" % (name, len(got)))
            passed += 1
    if passed + failed == 0:
        print("no example had a .sql twin")
        failed = 1
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
