#!/usr/bin/env python3
"""summarize_micro.py - turns the Google Benchmark JSON of `make bench-micro`
(bench/results/micro.json) into a readable summary (bench/results/micro.md):
per case and thread count the time per iteration, rows/s, bytes/s, the
fraction of the read bandwidth measured in the same run on as many threads,
the speed-up over one thread, the kernel ISA, and the targets where one
exists; plus the machine (CPU model from /proc/cpuinfo), the date and the
commit. Python standard library only.

Usage: summarize_micro.py MICRO.json MICRO.md
"""
import argparse
import json
import os
import subprocess

BANDWIDTH = "bandwidth/read_sum"

# One-thread targets (2-core development machine), judged on CPU time:
# (kind, value) with kind "bw" (fraction of bandwidth) or "rows" (rows/s).
TARGETS = {
    "engine/q6_shape": ("bw", 0.80),
    "engine/q1_shape": ("rows", 200e6),
    "engine/join_probe": ("rows", 100e6),
    "engine/groupby_highcard": ("rows", 80e6),
}
# All-thread targets, judged on wall time: ("speedup", x) over one thread, or
# ("bw", f) of the read bandwidth on as many threads.
PARALLEL_TARGETS = {
    "engine/q6_shape": ("bw", 0.85),
    "engine/q1_shape": ("speedup", 1.8),
    "engine/join_probe": ("speedup", 1.8),
    "engine/groupby_highcard": ("speedup", 1.8),
}


def split_name(name):
    """("engine/q1_shape", 2) from "engine/q1_shape/threads:2"."""
    base, _, arg = name.rpartition("/threads:")
    return (base, int(arg)) if base and arg.isdigit() else (name, 1)


def cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def git_commit():
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
        def changed(*paths):
            return subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", *paths],
                                  capture_output=True, text=True, check=True).stdout.strip()
        if changed(".", ":!bench/results"):
            return head + " + uncommitted changes"
        if changed("bench/results"):
            return head + " (the tree differed from it only in bench/results/)"
        return head
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def pick_runs(benchmarks):
    """One entry per case: the median aggregate when repetitions ran, else the single run."""
    runs = {}
    for b in benchmarks:
        name = b.get("run_name", b["name"]).removesuffix("/real_time")
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                runs[name] = b
        elif name not in runs or runs[name].get("run_type") != "aggregate":
            runs.setdefault(name, b)
    return runs


def to_ms(b, key="real_time"):
    scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[b.get("time_unit", "ns")]
    return b[key] * scale


def pct(x):
    return f"{x:.1%}" if x is not None else ""


def reps(benchmarks, name):
    return sum(1 for b in benchmarks
               if b.get("run_name", b["name"]).removesuffix("/real_time") == name
               and b.get("run_type") != "aggregate")


def main():
    ap = argparse.ArgumentParser(description="Summarize a sluice_bench_micro JSON file as a Markdown table.")
    ap.add_argument("json", help="the --benchmark_out file")
    ap.add_argument("md", help="the Markdown file to write")
    ap.add_argument("--commit", help="the commit measured (default: git rev-parse HEAD here)")
    ap.add_argument("--by", default="`make bench-micro`", help="the command that produced the JSON")
    ap.add_argument("--no-targets", action="store_true",
                    help="leave out the targets (they are set for the 2-core development machine)")
    args = ap.parse_args()
    with open(args.json, encoding="utf-8") as f:
        data = json.load(f)
    ctx = data.get("context", {})
    benchmarks = data.get("benchmarks", [])
    runs = pick_runs(benchmarks)
    bw = {}  # threads -> bytes/s of the bandwidth probe (wall)
    for name, b in runs.items():
        base, threads = split_name(name)
        if base == BANDWIDTH and not b.get("error_occurred"):
            bw[threads] = b.get("bytes_per_second")
    one = {}  # case -> wall ms on one thread
    for name, b in runs.items():
        base, threads = split_name(name)
        if threads == 1 and not b.get("error_occurred"):
            one[base] = to_ms(b)

    out = []
    out.append("# sluice micro/engine benchmarks\n")
    out.append(f"Produced by {args.by} (bench/, Google Benchmark through a C shim); raw data in "
               f"`{os.path.basename(args.json)}`. 6M rows per case, data generated in memory with a fixed seed, every answer "
               "checked against one computed directly in C before timing (and the answer on each thread "
               "count against that one). Each case runs on 1, 2, ... threads up to the CPU count. Figures "
               "are the median of the repetitions. One-thread rows give rates on wall time and on CPU "
               "time; where the machine is shared with other work (cpu time well below wall time) the "
               "CPU-time figures are the ones to read, and the one-thread targets are judged on them. "
               "Rows with more threads are judged on wall time (CPU time there is the main thread's "
               "only), against the bandwidth measured on as many threads.\n")
    out.append("| | |\n| --- | --- |")
    out.append(f"| date | {ctx.get('date', 'unknown')} |")
    cpus, mhz = ctx.get("num_cpus", "?"), ctx.get("mhz_per_cpu", "?")
    out.append(f"| CPU | {cpu_model()} ({cpus} CPUs, {mhz} MHz) |")
    caches = ", ".join(f"L{c['level']} {c['type'].lower()} {c['size'] // 1024} KiB"
                       for c in ctx.get("caches", []))
    out.append(f"| caches | {caches or 'unknown'} |")
    out.append(f"| kernel ISA (sli_filter_select) | {ctx.get('sluice_isa', 'unknown')} |")
    out.append(f"| bandwidth probe ISA | {ctx.get('bandwidth_sum_isa', 'unknown')} |")
    out.append(f"| thread counts | {ctx.get('sluice_threads', '1')} |")
    out.append(f"| load average at start | {', '.join(f'{x:.2f}' for x in ctx.get('load_avg', []))} |")
    out.append(f"| commit | {args.commit or git_commit()} |")
    out.append(f"| libbenchmark build | {ctx.get('library_build_type', 'unknown')} (the Debian package; "
               "the timed code is sluice's release build) |")
    for t in sorted(bw):
        bw_text = f"{bw[t] / 1e9:.2f} GB/s" if bw[t] else "not measured"
        out.append(f"| read bandwidth, {t} thread{'s' if t > 1 else ''} | {bw_text} |")
    out.append("")

    bw_cpu = None
    one_bw = runs.get(f"{BANDWIDTH}/threads:1") or runs.get(BANDWIDTH)
    if one_bw and one_bw.get("cpu_time") and bw.get(1):
        bw_cpu = bw[1] * one_bw["real_time"] / one_bw["cpu_time"]
    out.append("| case | threads | wall ms | cpu ms | reps | rows/s (wall) | rows/s (cpu) | GB/s (wall) "
               "| of bandwidth (wall) | of bandwidth (cpu) | speed-up | target | verdict |")
    out.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |")
    for name, b in runs.items():
        base, threads = split_name(name)
        if b.get("error_occurred"):
            out.append(f"| {base} | {threads} | | | | | | | | | | | FAILED: {b.get('error_message', '')} |")
            continue
        rows = b.get("items_per_second", 0.0)
        bps = b.get("bytes_per_second", 0.0)
        frac = bps / bw[threads] if bw.get(threads) else None
        rows_cpu, frac_cpu = None, None
        if threads == 1:
            busy = b["real_time"] / b["cpu_time"] if b.get("cpu_time") else 1.0
            rows_cpu = rows * busy
            frac_cpu = bps * busy / bw_cpu if bw_cpu else None
        speedup = one[base] / to_ms(b) if base in one and to_ms(b) > 0 else None
        target, verdict = "", ""
        if args.no_targets:
            pass
        elif threads == 1 and base in TARGETS:
            kind, value = TARGETS[base]
            if kind == "bw":
                target = f"≥ {value:.0%} of bandwidth (cpu)"
                verdict = "met" if frac_cpu is not None and frac_cpu >= value else "missed"
            else:
                target = f"≥ {value / 1e6:.0f}M rows/s (cpu)"
                verdict = "met" if rows_cpu >= value else "missed"
        elif threads > 1 and base in PARALLEL_TARGETS:
            kind, value = PARALLEL_TARGETS[base]
            if kind == "bw":
                target = f"≥ {value:.0%} of {threads}-thread bandwidth"
                verdict = "met" if frac is not None and frac >= value else "missed"
            else:
                target = f"≥ {value:.1f}x over 1 thread"
                verdict = "met" if speedup is not None and speedup >= value else "missed"
        cpu_rows = f"{rows_cpu / 1e6:.1f}M" if rows_cpu is not None else ""
        out.append(f"| {base} | {threads} | {to_ms(b):.1f} | {to_ms(b, 'cpu_time'):.1f} | "
                   f"{reps(benchmarks, name)} | {rows / 1e6:.1f}M | {cpu_rows} | {bps / 1e9:.2f} | "
                   f"{pct(frac)} | {pct(frac_cpu)} | {f'{speedup:.2f}x' if speedup else ''} | {target} | "
                   f"{verdict} |")
    out.append("")
    out.append("rows/s counts input rows (for the join: probe rows; the time includes the 1.5M-row build). "
               "GB/s counts the bytes of the columns the query reads (dictionary codes as 4 bytes; for the "
               "join the probe keys plus the build keys and payload), so \"of bandwidth\" is how close "
               "a case comes to the bound of reading its columns once at the read bandwidth measured on "
               "as many threads.")
    if args.no_targets:
        out.append("")
        out.append("The targets of issues 3 and 4 are set for the 2-core development machine (bench/results/"
                   "micro.md); on this machine the table reports the figures and the scaling over one thread.")
    with open(args.md, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
