#!/usr/bin/env python3
"""The benchmark query suites (bench/queries/tpch/qN.{sql,plan} and
bench/queries/ssb/qX.Y.{sql,plan}) checked against DuckDB.

Generates TPC-H and SSB data with `sluice gen` (Parquet) into a temporary
directory, loads the same files into DuckDB (read_parquet views), runs every
query's .sql in DuckDB, and both its .sql and its .plan in sluice (`sluice run
FILE --data DIR --format csv`). Rows must match: integers, strings, dates and
decimals exactly, floats to a relative 1e-9; in order where the query has an
ORDER BY, else as multisets. Since both sluice forms are compared with the same
DuckDB rows, the .sql and the .plan of a query also give the same rows.

A form that sluice refuses with an error naming a feature it does not have yet
counts as skipped only when it is listed in KNOWN_MISSING below, with words
that the first line of the error message must contain (exit status 1, no
sanitizer report); any other error or a wrong answer is a failure. A listed
form that now passes is reported so that the entry can go.

Usage: py_queries.py SLUICE_BINARY SOURCE_DIR [--sf X] [--only NAME]
(default SF 0.01; --only q1 or --only ssb/q2.1 runs the matching queries.)
Exit status: 0 when nothing failed.
"""
import argparse
import csv
import datetime
import decimal
import glob
import io
import math
import os
import re
import subprocess
import sys
import tempfile
import time

import duckdb

# (suite, query, form) -> (feature, words the refusal must contain, case-insensitive).
# Keep it to features sluice really lacks; remove an entry as soon as it passes.
KNOWN_MISSING = {
}

SUITES = ("tpch", "ssb")
TIMEOUT_S = 300


def natural_key(path):
    name = os.path.basename(path)
    return [int(x) if x.isdigit() else x for x in re.split(r"(\d+)", name)]


def same(a, b):
    """a: a CSV field from sluice ('' is NULL); b: a value from DuckDB."""
    if b is None:
        return a == ""
    if isinstance(b, bool):
        return a.lower() == str(b).lower()
    if isinstance(b, float):
        try:
            fa = float(a)
        except ValueError:
            return False
        if math.isnan(b):
            return math.isnan(fa)
        return fa == b or abs(fa - b) <= 1e-9 * max(abs(fa), abs(b))
    if isinstance(b, (int, decimal.Decimal)):
        try:
            return decimal.Decimal(a) == decimal.Decimal(b)
        except decimal.InvalidOperation:
            return False
    if isinstance(b, datetime.datetime):
        return a in (b.isoformat(sep=" "), b.date().isoformat() if b.time() == datetime.time(0) else None)
    if isinstance(b, datetime.date):
        return a == b.isoformat()
    return a == str(b)


def compare(got, want, ordered):
    """Returns None when the rows match, else what differs."""
    if len(got) != len(want):
        return "%d rows, DuckDB has %d; sluice %r... DuckDB %r..." % (len(got), len(want), got[:3], want[:3])
    if not ordered:
        # Sort DuckDB's rows by their text form and match sluice's rows to them
        # the same way: equal values print alike in both after normalising.
        got = sorted(got, key=lambda r: [norm(v) for v in r])
        want = sorted(want, key=lambda r: [norm(v) for v in r])
    for i, (g, w) in enumerate(zip(got, want)):
        if len(g) != len(w) or not all(same(a, b) for a, b in zip(g, w)):
            return "row %d: sluice %r, DuckDB %r" % (i, g, list(w))
    return None


def norm(v):
    """A sort key that puts equal sluice and DuckDB values in the same place."""
    if v is None or v == "":
        return (0, 0, "")
    if isinstance(v, (int, float, decimal.Decimal)) and not isinstance(v, bool):
        return (1, float(v), "")
    if isinstance(v, str):
        try:
            return (1, float(v), "")
        except ValueError:
            return (2, 0, v)
    if hasattr(v, "isoformat"):
        return (2, 0, v.isoformat())
    return (2, 0, str(v))


def load_duckdb(data):
    con = duckdb.connect()
    con.execute("SET threads TO 2")
    for f in sorted(glob.glob(os.path.join(data, "*.parquet"))):
        name = os.path.basename(f)[:-len(".parquet")]
        con.execute("CREATE VIEW \"%s\" AS SELECT * FROM read_parquet('%s')" % (name, f))
    return con


def refusal(rc, msg, words):
    """A query error (exit 1) whose one-line message names the missing feature,
    not a crash or a sanitizer report."""
    first = msg.splitlines()[0] if msg else ""
    return rc == 1 and first.startswith("sluice: ") and "Sanitizer" not in msg \
        and "runtime error" not in msg and all(w.lower() in first.lower() for w in words)


def run_sluice(sluice, path, data):
    try:
        run = subprocess.run([sluice, "run", path, "--data", data, "--format", "csv"],
                             capture_output=True, text=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return None, (None, "timed out after %d s" % TIMEOUT_S)
    if run.returncode != 0:
        return None, (run.returncode, run.stderr.strip())
    rows = list(csv.reader(io.StringIO(run.stdout)))
    return rows[1:], None  # the first line is the header


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("sluice")
    ap.add_argument("src")
    ap.add_argument("--sf", default="0.01")
    ap.add_argument("--only", default=None)
    args = ap.parse_args()
    start = time.time()
    passed = failed = skipped = 0
    with tempfile.TemporaryDirectory() as tmp:
        for suite in SUITES:
            qdir = os.path.join(args.src, "bench", "queries", suite)
            sqls = sorted(glob.glob(os.path.join(qdir, "q*.sql")), key=natural_key)
            if args.only:
                sqls = [p for p in sqls if args.only in (os.path.basename(p)[:-4], suite + "/" + os.path.basename(p)[:-4])]
                if not sqls:
                    continue
            elif not sqls:
                print("FAIL %s: no queries in %s" % (suite, qdir))
                failed += 1
                continue
            data = os.path.join(tmp, suite)
            gen = subprocess.run([args.sluice, "gen", suite, "--sf", args.sf, "--out", data],
                                 capture_output=True, text=True)
            if gen.returncode != 0:
                print("FAIL %s: sluice gen exited %d: %s" % (suite, gen.returncode, gen.stderr.strip()))
                failed += 1
                continue
            con = load_duckdb(data)
            for sql_path in sqls:
                q = os.path.basename(sql_path)[:-len(".sql")]
                sql = open(sql_path).read()
                try:
                    want = [tuple(r) for r in con.execute(sql).fetchall()]
                except duckdb.Error as e:
                    print("FAIL %s/%s: DuckDB refused the SQL: %s" % (suite, q, str(e).splitlines()[0]))
                    failed += 1
                    continue
                ordered = re.search(r"\border\s+by\b", sql, re.I) is not None
                for form, path in (("sql", sql_path), ("plan", sql_path[:-4] + ".plan")):
                    label = "%s/%s.%s" % (suite, q, form)
                    missing = KNOWN_MISSING.get((suite, q, form))
                    if not os.path.exists(path):
                        print("FAIL %s: file missing" % label)
                        failed += 1
                        continue
                    got, err = run_sluice(args.sluice, path, data)
                    if err is not None:
                        rc, msg = err
                        if missing and refusal(rc, msg, missing[1]):
                            print("skip %s: needs %s\n     %s" % (label, missing[0], msg.splitlines()[0]))
                            skipped += 1
                        else:
                            print("FAIL %s: %s" % (label, msg if rc is None else "sluice exited %d: %s" % (rc, msg)))
                            failed += 1
                        continue
                    problem = compare(got, want, ordered)
                    if problem:
                        print("FAIL %s: %s" % (label, problem))
                        failed += 1
                    else:
                        note = " (listed in KNOWN_MISSING as needing %s: remove the entry)" % missing[0] \
                            if missing else ""
                        print("ok   %s (%d rows)%s" % (label, len(got), note))
                        passed += 1
            con.close()
    if passed + failed + skipped == 0:
        print("FAIL: no query ran (--only %s matched nothing)" % args.only)
        failed = 1
    print("%d passed, %d failed, %d skipped (SF %s, %.1f s)"
          % (passed, failed, skipped, args.sf, time.time() - start))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
