#!/usr/bin/env python3
"""Smoke test of bench/compare (sluice vs DuckDB vs Polars): TPC-H Q1 and Q6
and SSB Q1.1 at SF 0.01, one timed run, into a temporary folder; the JSON,
markdown and chart must be written and every answer marked right.

Prints SKIP and exits 0 when the sluice binary has no `bench` command yet.
Usage: py_bench_compare.py SLUICE_BINARY SOURCE_DIR
"""
import json
import os
import subprocess
import sys
import tempfile
import time


def main():
    if len(sys.argv) != 3:
        print("usage: py_bench_compare.py SLUICE_BINARY SOURCE_DIR")
        return 2
    sluice, src = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    h = subprocess.run([sluice, "bench", "--help"], capture_output=True, text=True)
    if h.returncode != 0:
        print("SKIP: %s has no `bench` command (exit %d)" % (sluice, h.returncode))
        return 0
    start = time.time()
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out")
        cmd = [sys.executable, os.path.join(src, "bench", "compare"), "--sluice", sluice, "--sf", "0.01",
               "--runs", "1", "--warmup", "0", "--queries", "q1,q6,q1.1", "--threads", "2",
               "--bandwidth", "numpy", "--out", out, "--data-dir", os.path.join(tmp, "data")]
        env = dict(os.environ, SLUICE_COMPARE_NO_REEXEC="1")
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
        if r.returncode != 0:
            failures.append("bench/compare exited %d:\n%s\n%s" % (r.returncode, r.stdout[-3000:], r.stderr[-3000:]))
        stem = os.path.join(out, "sf0.01-all")
        for ext in ("json", "md", "png"):
            if not os.path.isfile(stem + "." + ext) or os.path.getsize(stem + "." + ext) == 0:
                failures.append("no %s.%s" % (stem, ext))
        if os.path.isfile(stem + ".json"):
            res = json.load(open(stem + ".json"))
            keys = sorted(res["queries"])
            if keys != ["ssb/q1.1", "tpch/q1", "tpch/q6"]:
                failures.append("queries reported: %s" % keys)
            for key, q in res["queries"].items():
                for system in ("sluice", "duckdb", "polars"):
                    s = q["systems"].get(system)
                    if s is None or s["status"] != "ok":
                        failures.append("%s %s: %s" % (system, key, s and (s["status"] + ": " + s["detail"])))
                    elif len(s["runs_ms"]) != 1 or not s["median_ms"] > 0:
                        failures.append("%s %s: runs %r" % (system, key, s["runs_ms"]))
                if set(q["ratios"]) != {"duckdb", "polars"}:
                    failures.append("%s: ratios %r" % (key, q["ratios"]))
            md = open(stem + ".md").read() if os.path.isfile(stem + ".md") else ""
            for word in ("tpch/q1", "tpch/q6", "ssb/q1.1", "geometric mean", "sluice÷DuckDB", "sluice÷Polars"):
                if word not in md:
                    failures.append("the markdown lacks %r" % word)
    for f in failures:
        print("FAIL " + f)
    print("%d passed, %d failed (bench/compare smoke test, %.1f s)"
          % (0 if failures else 1, 1 if failures else 0, time.time() - start))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
