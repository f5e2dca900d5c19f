#!/usr/bin/env python3
"""read_vs_duckdb.py — times reading a whole Parquet file into memory with
sluice and with DuckDB, side by side on the same machine and the same file.

sluice: `sluice run` of a plan that touches every column of the table
(count of each column), so every column chunk of every row group is read,
decompressed and decoded into memory; the time is the run phase that
`--timing` reports (loading a Parquet table happens inside the run: only the
footer is read at registration).
DuckDB: `CREATE TABLE t AS SELECT * FROM read_parquet(...)` in a fresh
in-memory database, timed around the statement.

Both use the same number of threads. Runs alternate (sluice, DuckDB, ...)
so that drifts in machine load hit both; medians are reported.

Usage: read_vs_duckdb.py SLUICE FILE.parquet [--reps N] [--threads N]
       [--out bench/results/parquet_read] [--source "how the file was made"]
Writes OUT.json and OUT.md.
"""
import argparse
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time

import duckdb
import pyarrow.parquet as pq


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def sluice_once(sluice, path, cols, threads):
    plan = 'table("t").agg(' + ", ".join(f"count({c}) as n{i}" for i, c in enumerate(cols)) + ")"
    p = subprocess.run([sluice, "run", "-e", plan, "--table", f"t={path}", "--timing",
                        "--threads", str(threads), "--format", "csv"],
                       capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"sluice failed: {p.stderr.strip()}")
    m = re.search(r"run ([0-9.]+) ms", p.stderr)
    if not m:
        sys.exit(f"no timing in: {p.stderr.strip()}")
    counts = [int(x) for x in p.stdout.strip().splitlines()[1].split(",")]
    return float(m.group(1)) / 1e3, counts


def duckdb_once(path, threads):
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    t0 = time.perf_counter()
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_parquet('{path}')")
    secs = time.perf_counter() - t0
    rows = con.execute("SELECT count(*) FROM t").fetchone()[0]
    con.close()
    return secs, rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("sluice")
    ap.add_argument("file")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--out", default="bench/results/parquet_read")
    ap.add_argument("--source", default="", help="how the file was made, for the report")
    a = ap.parse_args()

    meta = pq.ParquetFile(a.file).metadata
    cols = [meta.schema.column(i).name for i in range(meta.num_columns)]
    rows = meta.num_rows
    # One untimed run each warms the page cache and checks both read it all.
    _, counts = sluice_once(a.sluice, a.file, cols, a.threads)
    _, drows = duckdb_once(a.file, a.threads)
    nonnull = [meta.num_rows - sum(meta.row_group(g).column(i).statistics.null_count or 0
                                   for g in range(meta.num_row_groups)) for i in range(len(cols))]
    if counts != nonnull or drows != rows:
        sys.exit(f"answers differ: sluice {counts}, expected {nonnull}; duckdb rows {drows} of {rows}")

    s_times, d_times = [], []
    for _ in range(a.reps):
        s_times.append(sluice_once(a.sluice, a.file, cols, a.threads)[0])
        d_times.append(duckdb_once(a.file, a.threads)[0])
    s_med, d_med = statistics.median(s_times), statistics.median(d_times)
    size = os.path.getsize(a.file)
    codec = meta.row_group(0).column(0).compression if meta.num_row_groups else "none"
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    res = {
        "file": os.path.basename(a.file), "bytes": size, "rows": rows, "columns": len(cols),
        "row_groups": meta.num_row_groups, "codec": codec, "threads": a.threads,
        "reps": a.reps, "sluice_s": s_times, "duckdb_s": d_times,
        "sluice_median_s": s_med, "duckdb_median_s": d_med,
        "duckdb_version": duckdb.__version__, "cpu": cpu_model(), "cpus": os.cpu_count(),
        "date": datetime.date.today().isoformat(), "commit": commit,
    }
    os.makedirs(os.path.dirname(a.out) or ".", exist_ok=True)
    with open(a.out + ".json", "w") as f:
        json.dump(res, f, indent=2)
    with open(a.out + ".md", "w") as f:
        f.write(f"# Reading a Parquet file into memory: sluice and DuckDB\n\n")
        f.write(f"`{res['file']}`: {rows:,} rows, {len(cols)} columns, {meta.num_row_groups} row groups, "
                f"{codec}, {size / 1e6:.1f} MB. {a.threads} thread(s), {a.reps} alternating runs each, "
                f"{res['cpu']} ({res['cpus']} CPUs), {res['date']}, commit {commit}.\n\n")
        if a.source:
            f.write(f"The file: {a.source}\n\n")
        f.write("| engine | median s | runs (s) | rows/s |\n| --- | --- | --- | --- |\n")
        for name, med, ts in (("sluice", s_med, s_times), (f"DuckDB {duckdb.__version__}", d_med, d_times)):
            f.write(f"| {name} | {med:.3f} | {', '.join(f'{t:.3f}' for t in ts)} | {rows / med / 1e6:.1f}M |\n")
        f.write(f"\nsluice / DuckDB time: {s_med / d_med:.2f} (below 1: sluice is faster).\n\n"
                "sluice: `sluice run` of `count(c)` over every column, its `--timing` run phase "
                "(the file is read inside the run; registration reads only the footer). DuckDB: "
                "`CREATE TABLE t AS SELECT * FROM read_parquet(...)` in a fresh in-memory database.\n"
                f"Command: `.venv/bin/python bench/parquet/read_vs_duckdb.py SLUICE {a.file} "
                f"--reps {a.reps} --threads {a.threads}`\n")
    print(open(a.out + ".md").read())


if __name__ == "__main__":
    main()
