#!/usr/bin/env python3
"""Reads Parquet files written by pyarrow, DuckDB and Polars with sluice and
compares every value with pyarrow's read of the same file.

Each file holds int8/16/32/64, float32, float64, date, decimal(15,2),
decimal(7,2), low- and high-cardinality strings and bools, all with nulls.
pyarrow writes it with its defaults, without dictionaries, with the delta and
byte-stream-split encodings, with each codec, with data pages v1 and v2 and
with small row groups and pages; DuckDB with its defaults and each codec;
Polars with its defaults and each codec. sluice prints the table as CSV
(`sluice run -e 'table("t").orderBy(id)' --table t=FILE --format csv`),
which is parsed back into typed values (empty field = null) and compared
exactly. Files sluice must refuse (a nested column, a timestamp, LZ4) must
give a non-zero exit status and a message naming the column or codec.

Usage: py_parquet_read.py SLUICE_BINARY SOURCE_DIR
Prints one line per failure and a final "N passed, M failed".
"""
import csv
import datetime
import decimal
import io
import os
import random
import subprocess
import sys
import tempfile

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

SLUICE = sys.argv[1]
passed = 0
failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what)


def make_table(n, seed):
    rnd = random.Random(seed)

    def maybe(v):
        return None if rnd.random() < 0.1 else v

    words = ["AIR", "MAIL", "RAIL", "SHIP", "TRUCK", "FOB", "REG AIR"]
    cols = {
        "id": pa.array(range(n), pa.int64()),
        "i8": pa.array([maybe(rnd.randint(-128, 127)) for _ in range(n)], pa.int8()),
        "i16": pa.array([maybe(rnd.randint(-32768, 32767)) for _ in range(n)], pa.int16()),
        "i32": pa.array([maybe(rnd.randint(-2**31, 2**31 - 1)) for _ in range(n)], pa.int32()),
        "i64": pa.array([maybe(rnd.randint(-2**63, 2**63 - 1) if rnd.random() < 0.3 else i * 7)
                         for i in range(n)], pa.int64()),
        "f32": pa.array([maybe(rnd.uniform(-1e3, 1e3)) for _ in range(n)], pa.float32()),
        "f64": pa.array([maybe(rnd.uniform(-1e6, 1e6)) for _ in range(n)], pa.float64()),
        "day": pa.array([maybe(datetime.date(1992, 1, 1) + datetime.timedelta(days=rnd.randint(0, 2500)))
                         for _ in range(n)], pa.date32()),
        "dec15": pa.array([maybe(decimal.Decimal(rnd.randint(-10**15 + 1, 10**15 - 1)).scaleb(-2))
                           for _ in range(n)], pa.decimal128(15, 2)),
        "dec7": pa.array([maybe(decimal.Decimal(rnd.randint(-10**7 + 1, 10**7 - 1)).scaleb(-2))
                          for _ in range(n)], pa.decimal128(7, 2)),
        "s_low": pa.array([maybe(rnd.choice(words)) for _ in range(n)], pa.string()),
        "s_high": pa.array([maybe("item-%d-%s" % (rnd.randint(0, 10**9), "x" * rnd.randint(0, 20)))
                            for _ in range(n)], pa.string()),
        "flag": pa.array([maybe(rnd.random() < 0.5) for _ in range(n)], pa.bool_()),
    }
    return pa.table(cols)


def to_value(text, typ):
    if text == "":
        return None
    if pa.types.is_boolean(typ):
        return {"true": True, "false": False}[text]
    if pa.types.is_integer(typ):
        return int(text)
    if pa.types.is_floating(typ):
        return float(text)
    if pa.types.is_date(typ):
        return datetime.date.fromisoformat(text)
    if pa.types.is_decimal(typ):
        return decimal.Decimal(text)
    return text


def run_sluice(path, plan='table("t").orderBy(id)'):
    return subprocess.run([SLUICE, "run", "-e", plan, "--table", "t=" + path, "--format", "csv"],
                          capture_output=True, text=True, timeout=120)


def compare_file(path, label):
    expect = pq.read_table(path)
    expect = expect.sort_by("id")
    r = run_sluice(path)
    if r.returncode != 0:
        check(False, "%s: sluice exit %d: %s" % (label, r.returncode, r.stderr.strip()[:500]))
        return
    rows = list(csv.reader(io.StringIO(r.stdout)))
    header, body = rows[0], rows[1:]
    names = expect.column_names
    if header != names:
        check(False, "%s: columns %s, expected %s" % (label, header, names))
        return
    if len(body) != expect.num_rows:
        check(False, "%s: %d rows, expected %d" % (label, len(body), expect.num_rows))
        return
    bad = []
    for j, name in enumerate(names):
        col = expect.column(name)
        typ = col.type
        want = col.to_pylist()
        for i in range(len(want)):
            got = to_value(body[i][j], typ)
            w = want[i]
            if pa.types.is_string(typ) and w == "":
                w = None  # never produced by the data, kept for clarity
            if got != w:
                bad.append("%s row %d: got %r want %r" % (name, i, got, w))
                break
    check(not bad, "%s: %s" % (label, "; ".join(bad)))


def expect_refusal(path, label, *needles):
    r = run_sluice(path, 'table("t")')
    msg = r.stderr
    ok = r.returncode != 0 and all(n in msg for n in needles)
    check(ok, "%s: expected a refusal naming %s, got exit %d: %s" % (label, needles, r.returncode, msg.strip()[:300]))


def main():
    tmp = tempfile.mkdtemp(prefix="sluice_pqread_")
    t = make_table(3000, 7)
    files = []

    def pa_write(name, **kw):
        p = os.path.join(tmp, name + ".parquet")
        pq.write_table(t, p, **kw)
        files.append((p, "pyarrow " + name))

    pa_write("default")
    pa_write("plain", use_dictionary=False)
    for codec in ["snappy", "zstd", "gzip", "none"]:
        pa_write("codec_" + codec, compression=codec, row_group_size=1000)
    pa_write("v2", data_page_version="2.0", row_group_size=700, data_page_size=2048)
    pa_write("v2_plain_zstd", data_page_version="2.0", use_dictionary=False, compression="zstd")
    pa_write("v2_uncompressed", data_page_version="2.0", compression="none")
    pa_write("small_pages", data_page_size=512, row_group_size=400, write_batch_size=100)
    # A dictionary that outgrows its limit: dictionary pages, then PLAIN pages in one chunk.
    pa_write("dict_fallback", dictionary_pagesize_limit=300, data_page_size=256, write_batch_size=64)
    enc = {"i32": "DELTA_BINARY_PACKED", "i64": "DELTA_BINARY_PACKED", "i16": "DELTA_BINARY_PACKED",
           "day": "DELTA_BINARY_PACKED", "dec7": "DELTA_BINARY_PACKED", "dec15": "DELTA_BINARY_PACKED",
           "s_high": "DELTA_LENGTH_BYTE_ARRAY", "s_low": "DELTA_BYTE_ARRAY",
           "f64": "BYTE_STREAM_SPLIT", "f32": "BYTE_STREAM_SPLIT", "i8": "BYTE_STREAM_SPLIT",
           "flag": "RLE"}
    for v in ["1.0", "2.0"]:
        pa_write("delta_v" + v, use_dictionary=False, column_encoding=enc, data_page_version=v,
                 data_page_size=4096, store_decimal_as_integer=True)
    enc2 = dict(enc, i32="BYTE_STREAM_SPLIT", i64="BYTE_STREAM_SPLIT", s_high="DELTA_BYTE_ARRAY",
                s_low="DELTA_LENGTH_BYTE_ARRAY", dec15="BYTE_STREAM_SPLIT", dec7="DELTA_BYTE_ARRAY")
    pa_write("bss_ints", use_dictionary=False, column_encoding=enc2, compression="zstd")
    # decimals as FIXED_LEN_BYTE_ARRAY: pyarrow's default for decimals.
    pa_write("dec_flba", store_decimal_as_integer=False)
    pa_write("dec_int", store_decimal_as_integer=True)

    con = duckdb.connect()
    con.register("src", t)
    for codec in [None, "uncompressed", "snappy", "gzip", "zstd"]:
        name = "duckdb_" + (codec or "default")
        p = os.path.join(tmp, name + ".parquet")
        opt = "(FORMAT parquet)" if codec is None else "(FORMAT parquet, COMPRESSION %s)" % codec
        con.execute("COPY (SELECT * FROM src) TO '%s' %s" % (p, opt))
        files.append((p, name))
    p = os.path.join(tmp, "duckdb_rg.parquet")
    con.execute("COPY (SELECT * FROM src) TO '%s' (FORMAT parquet, ROW_GROUP_SIZE 1000)" % p)
    files.append((p, "duckdb_rg"))

    df = pl.from_arrow(t)
    for codec in [None, "snappy", "gzip", "uncompressed", "zstd"]:
        name = "polars_" + (codec or "default")
        p = os.path.join(tmp, name + ".parquet")
        if codec is None:
            df.write_parquet(p)
        else:
            df.write_parquet(p, compression=codec)
        files.append((p, name))
    p = os.path.join(tmp, "polars_rg.parquet")
    df.write_parquet(p, row_group_size=500, statistics=True)
    files.append((p, "polars_rg"))

    for path, label in files:
        compare_file(path, label)

    # A table without rows and a table of one row group with all nulls.
    p = os.path.join(tmp, "empty.parquet")
    pq.write_table(t.slice(0, 0), p)
    compare_file(p, "pyarrow empty")
    nulls = pa.table({"id": pa.array([1, 2, 3], pa.int64()), "x": pa.array([None] * 3, pa.int32()),
                      "s": pa.array([None] * 3, pa.string())})
    for v in ["1.0", "2.0"]:
        for codec in ["snappy", "none"]:
            p = os.path.join(tmp, "nulls.parquet")
            pq.write_table(nulls, p, data_page_version=v, compression=codec)
            compare_file(p, "pyarrow all nulls, pages v%s, %s" % (v, codec))

    # A directory of Parquet files registers one table per file.
    d = os.path.join(tmp, "dir")
    os.mkdir(d)
    pq.write_table(t.slice(0, 10), os.path.join(d, "small.parquet"))
    r = subprocess.run([SLUICE, "run", "-e", 'table("small").agg(count(*) as n, sum(id) as s)', "--data", d,
                        "--format", "csv"], capture_output=True, text=True, timeout=60)
    check(r.returncode == 0 and r.stdout.strip().splitlines()[-1] == "10,45",
          "register_dir with a .parquet file: exit %d out %r err %r" % (r.returncode, r.stdout, r.stderr))

    # Refusals: nested, timestamp, LZ4.
    p = os.path.join(tmp, "nested.parquet")
    pq.write_table(pa.table({"id": [1, 2], "tags": pa.array([[1, 2], None], pa.list_(pa.int64()))}), p)
    expect_refusal(p, "nested list", "tags", "nested")
    p = os.path.join(tmp, "struct.parquet")
    pq.write_table(pa.table({"id": [1], "pt": pa.array([{"x": 1, "y": 2}])}), p)
    expect_refusal(p, "nested struct", "pt")
    p = os.path.join(tmp, "ts.parquet")
    pq.write_table(pa.table({"id": [1], "when": pa.array([datetime.datetime(2020, 1, 1)], pa.timestamp("us"))}), p)
    expect_refusal(p, "timestamp", "when", "TIMESTAMP")
    p = os.path.join(tmp, "u64.parquet")
    pq.write_table(pa.table({"id": [1], "big": pa.array([2**64 - 1], pa.uint64())}), p)
    expect_refusal(p, "uint64", "big", "unsigned")
    p = os.path.join(tmp, "dec38.parquet")
    pq.write_table(pa.table({"id": [1], "wide": pa.array([decimal.Decimal("1.5")], pa.decimal128(38, 2))}), p)
    expect_refusal(p, "decimal(38,2)", "wide", "18 digits")
    p = os.path.join(tmp, "lz4.parquet")
    pq.write_table(t.slice(0, 50), p, compression="lz4")
    expect_refusal(p, "lz4", "LZ4", "id")

    # Unsigned 8/16/32-bit integers widen.
    u = pa.table({"id": pa.array([0, 1, 2], pa.int64()), "u8": pa.array([0, 255, None], pa.uint8()),
                  "u16": pa.array([65535, 1, None], pa.uint16()), "u32": pa.array([2**32 - 1, 0, None], pa.uint32())})
    p = os.path.join(tmp, "unsigned.parquet")
    pq.write_table(u, p)
    compare_file(p, "unsigned widen")

    subprocess.run(["rm", "-rf", tmp])
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
