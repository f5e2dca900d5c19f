#!/usr/bin/env python3
"""py_parquet_write.py — the Parquet writer (io/parquet_write.c) checked by
three independent readers.

Builds a CSV of several thousand rows with every type sluice writes (int8,
int16, int32, int64, float64, bool, date, decimal(15,2), decimal(7,2),
low- and high-cardinality strings, an all-null column), with nulls and
awkward values (extremes, negative zero, empty strings, quotes, non-ASCII);
has `sluice run ... -o out.parquet` write it with each codec; then reads
the file with pyarrow, DuckDB and Polars and compares every value, typed,
with what the CSV holds. The footer is checked through pyarrow: the
schema's annotations, the codec, dictionary encoding where it pays, and
each column's min / max / null count.

Usage: py_parquet_write.py SLUICE_BINARY SOURCE_DIR
"""
import datetime
import math
import os
import random
import subprocess
import sys
import tempfile
from decimal import Decimal

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

SLUICE = sys.argv[1]
N = 6000
EPOCH = datetime.date(1970, 1, 1)

passed = 0
failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what)


# ---- the input ---------------------------------------------------------------

COLUMNS = [  # name, sluice type, arrow type
    ("i8", "int8", pa.int8()),
    ("i16", "int16", pa.int16()),
    ("i32", "int32", pa.int32()),
    ("i64", "int64", pa.int64()),
    ("f64", "float64", pa.float64()),
    ("flag", "bool", pa.bool_()),
    ("day", "date", pa.date32()),
    ("price", "decimal(15,2)", pa.decimal128(15, 2)),
    ("rate", "decimal(7,2)", pa.decimal128(7, 2)),
    ("mode", "utf8", pa.string()),
    ("note", "utf8", pa.string()),
    ("seq", "int64", pa.int64()),
    ("nothing", "int32", pa.int32()),
]
SCHEMA = ", ".join(f"{n} {t}" for n, t, _ in COLUMNS)
MODES = ["AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB", "REG AIR"]


def make_rows():
    rnd = random.Random(20261125)

    def maybe(v, p=0.07):
        return None if rnd.random() < p else v

    rows = []
    for i in range(N):
        note = "".join(rnd.choice("abcdefghij ,\"xyzé€") for _ in range(rnd.randint(0, 30)))
        rows.append({
            "i8": maybe(rnd.randint(-128, 127)),
            "i16": maybe(rnd.randint(-32768, 32767)),
            "i32": maybe(rnd.randint(-2**31, 2**31 - 1)),
            "i64": maybe(rnd.randint(-2**63, 2**63 - 1)),
            "f64": maybe(rnd.choice([rnd.uniform(-1e6, 1e6), rnd.random(), -0.0, 0.0, 1e300, -2.5e-300])),
            "flag": maybe(rnd.random() < 0.3),
            "day": maybe(EPOCH + datetime.timedelta(days=rnd.randint(-20000, 30000))),
            "price": maybe(Decimal(rnd.randint(-10**13 + 1, 10**13 - 1)).scaleb(-2)),
            "rate": maybe(Decimal(rnd.randint(-10**7 + 1, 10**7 - 1)).scaleb(-2)),
            "mode": maybe(rnd.choice(MODES)),
            "note": maybe(note + str(i) if i % 50 else ""),  # mostly unique, some empty
            "seq": i,
            "nothing": None,
        })
    # the extremes of every integer type, so the statistics meet them
    rows[1].update(i8=-128, i16=-32768, i32=-2**31, i64=-2**63)
    rows[2].update(i8=127, i16=32767, i32=2**31 - 1, i64=2**63 - 1)
    return rows


def csv_field(name, v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, str):
        return '"' + v.replace('"', '""') + '"'  # "" is the empty string, not a null
    return str(v)


def write_csv(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(",".join(n for n, _, _ in COLUMNS) + "\n")
        for r in rows:
            f.write(",".join(csv_field(n, r[n]) for n, _, _ in COLUMNS) + "\n")


def run_sluice(csv, out, codec=None):
    cmd = [SLUICE, "run", "-e", 'table("t")', "--table", f"t={csv}", "--schema", SCHEMA, "-o", out]
    if codec:
        cmd += ["--compression", codec]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    check(p.returncode == 0, f"sluice exit {p.returncode} for codec {codec}: {p.stderr.strip()}")
    return p.returncode == 0


# ---- comparisons -------------------------------------------------------------

def same(a, b):
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    if type(a) is not type(b) and not (a is None or b is None):
        return False
    return a == b


def compare_columns(reader, got, rows):
    for name, _, _ in COLUMNS:
        col = got.get(name)
        if col is None:
            check(False, f"{reader}: column {name} missing")
            continue
        want = [r[name] for r in rows]
        bad = [i for i, (a, b) in enumerate(zip(col, want)) if not same(a, b)]
        check(len(col) == len(want) and not bad,
              f"{reader}: column {name}: {len(col)} values, {len(bad)} differ"
              + (f"; first at row {bad[0]}: got {col[bad[0]]!r}, want {want[bad[0]]!r}" if bad else ""))


def check_readers(path, rows):
    t = pq.read_table(path)
    compare_columns("pyarrow", {n: t.column(n).to_pylist() for n in t.column_names}, rows)
    for name, _, atype in COLUMNS:
        check(t.schema.field(name).type == atype, f"pyarrow: {name} is {t.schema.field(name).type}, want {atype}")

    con = duckdb.connect()
    rel = con.sql(f"SELECT * FROM read_parquet('{path}')")
    data = rel.fetchall()
    compare_columns("duckdb", {n: [r[i] for r in data] for i, n in enumerate(rel.columns)}, rows)
    con.close()

    df = pl.read_parquet(path)
    compare_columns("polars", {n: df[n].to_list() for n in df.columns}, rows)


def expected_stats(rows, name):
    vals = [r[name] for r in rows if r[name] is not None]
    nulls = len(rows) - len(vals)
    if name == "f64":
        vals = [v for v in vals if not math.isnan(v)]
    if not vals:
        return None, None, nulls
    if isinstance(vals[0], str):
        key = lambda s: s.encode("utf-8")  # byte-wise order
        return min(vals, key=key), max(vals, key=key), nulls
    return min(vals), max(vals), nulls


def check_metadata(path, rows, codec):
    md = pq.ParquetFile(path).metadata
    check(md.num_rows == len(rows), f"num_rows {md.num_rows}")
    check(md.num_row_groups == 1, f"num_row_groups {md.num_row_groups}")
    check(md.created_by.startswith("sluice"), f"created_by {md.created_by!r}")
    rg = md.row_group(0)
    for i, (name, _, _) in enumerate(COLUMNS):
        cc = rg.column(i)
        check(cc.compression == codec, f"{name}: compression {cc.compression}, want {codec}")
        st = cc.statistics
        lo, hi, nulls = expected_stats(rows, name)
        check(st is not None and st.null_count == nulls, f"{name}: null_count {st and st.null_count}, want {nulls}")
        if lo is None:
            check(st is not None and not st.has_min_max, f"{name}: an all-null column has no min/max")
        else:
            ok = st is not None and st.has_min_max and same(st.min, lo) and same(st.max, hi)
            check(ok, f"{name}: min/max {st and st.min!r}/{st and st.max!r}, want {lo!r}/{hi!r}")
        check(cc.num_values == len(rows), f"{name}: num_values {cc.num_values}")
    enc = {COLUMNS[i][0]: rg.column(i) for i in range(len(COLUMNS))}
    check(enc["mode"].has_dictionary_page and "RLE_DICTIONARY" in enc["mode"].encodings,
          f"mode is dictionary-encoded: {enc['mode'].encodings}")
    check(enc["i8"].has_dictionary_page, "i8 (256 values in 6000 rows) is dictionary-encoded")
    for name in ("note", "seq", "i64", "price"):
        check(not enc[name].has_dictionary_page and "RLE_DICTIONARY" not in enc[name].encodings,
              f"{name} (high cardinality) is PLAIN: {enc[name].encodings}")
    sch = pq.ParquetFile(path).schema
    # both annotations: the converted (legacy) type and the logical type
    conv = {sch.column(i).name: (sch.column(i).converted_type, str(sch.column(i).logical_type))
            for i in range(len(sch))}
    check(conv["mode"][0] == "UTF8" and conv["mode"][1] == "String", f"mode annotations {conv['mode']}")
    check(conv["day"][0] == "DATE" and conv["day"][1] == "Date", f"day annotations {conv['day']}")
    check(conv["price"][0] == "DECIMAL" and "Decimal(precision=15, scale=2)" == conv["price"][1],
          f"price annotations {conv['price']}")
    check(sch.column(7).physical_type == "INT64" and sch.column(8).physical_type == "INT32",
          "decimal(15,2) is INT64 and decimal(7,2) INT32")
    check(conv["i8"][0] == "INT_8" and "Int(bitWidth=8, isSigned=true)" == conv["i8"][1], f"i8 annotations {conv['i8']}")
    check(conv["i16"][0] == "INT_16", f"i16 annotations {conv['i16']}")
    check(sch.column(11).max_definition_level == 0, "seq, without nulls, is REQUIRED")
    check(sch.column(0).max_definition_level == 1, "i8, with nulls, is OPTIONAL")


def main():
    with tempfile.TemporaryDirectory(prefix="sluice_pqw_") as d:
        rows = make_rows()
        csv = os.path.join(d, "in.csv")
        write_csv(csv, rows)
        for codec, name in ((None, "SNAPPY"), ("snappy", "SNAPPY"), ("zstd", "ZSTD"), ("gzip", "GZIP"),
                            ("none", "UNCOMPRESSED")):
            out = os.path.join(d, f"out_{codec or 'default'}.parquet")
            if not run_sluice(csv, out, codec):
                continue
            check(sorted(os.listdir(d)) == sorted(set(os.listdir(d))) and
                  not [f for f in os.listdir(d) if f.endswith(".tmp")], "no temporary file is left")
            check_readers(out, rows)
            check_metadata(out, rows, name)

        # writing over an existing file replaces it
        out = os.path.join(d, "out_default.parquet")
        if run_sluice(csv, out, "zstd"):
            md = pq.ParquetFile(out).metadata
            check(md.row_group(0).column(0).compression == "ZSTD" and md.num_rows == N, "an existing file is replaced")

        # a table with no rows: a valid file with the schema and no row groups
        empty = os.path.join(d, "empty.csv")
        write_csv(empty, [])
        out = os.path.join(d, "empty.parquet")
        if run_sluice(empty, out):
            t = pq.read_table(out)
            check(t.num_rows == 0 and t.column_names == [n for n, _, _ in COLUMNS], "empty table reads back")
            check(duckdb.sql(f"SELECT count(*) FROM read_parquet('{out}')").fetchall()[0][0] == 0, "duckdb: 0 rows")
            check(pl.read_parquet(out).height == 0, "polars: 0 rows")

        # a path in a missing directory fails and names the path
        bad = os.path.join(d, "no_such_dir", "x.parquet")
        p = subprocess.run([SLUICE, "run", "-e", 'table("t")', "--table", f"t={csv}", "--schema", SCHEMA, "-o", bad],
                           capture_output=True, text=True, timeout=60)
        check(p.returncode != 0 and bad in p.stderr, f"bad path fails naming it: {p.returncode} {p.stderr!r}")
        check(not os.path.exists(os.path.dirname(bad)), "nothing is created for a bad path")

    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
