#!/usr/bin/env python3
"""summarize_micro.py - turns the Google Benchmark JSON of `make bench-micro`
(bench/results/micro.json) into a readable summary (bench/results/micro.md):
per case the time per iteration, rows/s, bytes/s, the fraction of the
single-thread read bandwidth measured in the same run, the kernel ISA, and
the issue-3 target where one exists; plus the machine (CPU model from
/proc/cpuinfo), the date and the commit. Python standard library only.

Usage: summarize_micro.py MICRO.json MICRO.md
"""
import json
import subprocess
import sys

BANDWIDTH = "bandwidth/read_sum"

# Targets of issue 3 (one thread, 2-core development machine):
# (kind, value) with kind "bw" (fraction of bandwidth) or "rows" (rows/s).
TARGETS = {
    "engine/q6_shape": ("bw", 0.80),
    "engine/q1_shape": ("rows", 200e6),
    "engine/join_probe": ("rows", 100e6),
    "engine/groupby_highcard": ("rows", 80e6),
}


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
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True,
                               text=True, check=True).stdout.strip()
        return head + (" + uncommitted changes" if dirty else "")
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
    if len(sys.argv) != 3:
        sys.exit("usage: summarize_micro.py MICRO.json MICRO.md")
    with open(sys.argv[1], encoding="utf-8") as f:
        data = json.load(f)
    ctx = data.get("context", {})
    benchmarks = data.get("benchmarks", [])
    runs = pick_runs(benchmarks)
    bw = runs.get(BANDWIDTH, {}).get("bytes_per_second")

    out = []
    out.append("# sluice micro/engine benchmarks\n")
    out.append("Produced by `make bench-micro` (bench/, Google Benchmark through a C shim); raw data in "
               "`micro.json`. One thread, 6M rows per case, data generated in memory with a fixed seed, "
               "every answer checked against one computed directly in C before timing. Figures are the "
               "median of the repetitions. Rates are given on wall time and on CPU time: the cases run on "
               "one thread, so where the machine is shared with other work (cpu time well below wall time) "
               "the CPU-time figures are the ones to read, and the targets are judged on them.\n")
    out.append("| | |\n| --- | --- |")
    out.append(f"| date | {ctx.get('date', 'unknown')} |")
    cpus, mhz = ctx.get("num_cpus", "?"), ctx.get("mhz_per_cpu", "?")
    out.append(f"| CPU | {cpu_model()} ({cpus} CPUs, {mhz} MHz) |")
    caches = ", ".join(f"L{c['level']} {c['type'].lower()} {c['size'] // 1024} KiB"
                       for c in ctx.get("caches", []))
    out.append(f"| caches | {caches or 'unknown'} |")
    out.append(f"| kernel ISA (sli_filter_select) | {ctx.get('sluice_isa', 'unknown')} |")
    out.append(f"| bandwidth probe ISA | {ctx.get('bandwidth_sum_isa', 'unknown')} |")
    out.append(f"| load average at start | {', '.join(f'{x:.2f}' for x in ctx.get('load_avg', []))} |")
    out.append(f"| commit | {git_commit()} |")
    out.append(f"| libbenchmark build | {ctx.get('library_build_type', 'unknown')} (the Debian package; "
               "the timed code is sluice's release build) |")
    bw_text = f"{bw / 1e9:.2f} GB/s" if bw else "not measured"
    out.append(f"| single-thread read bandwidth | {bw_text} |\n")

    bw_cpu = None
    if BANDWIDTH in runs and runs[BANDWIDTH].get("cpu_time"):
        bw_cpu = bw * runs[BANDWIDTH]["real_time"] / runs[BANDWIDTH]["cpu_time"] if bw else None
    out.append("| case | wall ms | cpu ms | reps | rows/s (wall) | rows/s (cpu) | GB/s (wall) | GB/s (cpu) "
               "| of bandwidth (wall) | of bandwidth (cpu) | target | on cpu time |")
    out.append("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |")
    for name, b in runs.items():
        if b.get("error_occurred"):
            out.append(f"| {name} | | | | | | | | | | | FAILED: {b.get('error_message', '')} |")
            continue
        rows = b.get("items_per_second", 0.0)
        bps = b.get("bytes_per_second", 0.0)
        busy = b["real_time"] / b["cpu_time"] if b.get("cpu_time") else 1.0
        rows_cpu, bps_cpu = rows * busy, bps * busy
        frac = bps / bw if bw else None
        frac_cpu = bps_cpu / bw_cpu if bw_cpu else None
        target, verdict = "", ""
        if name in TARGETS:
            kind, value = TARGETS[name]
            if kind == "bw":
                target = f"≥ {value:.0%} of bandwidth"
                verdict = "met" if frac_cpu is not None and frac_cpu >= value else "missed"
            else:
                target = f"≥ {value / 1e6:.0f}M rows/s"
                verdict = "met" if rows_cpu >= value else "missed"
        out.append(f"| {name} | {to_ms(b):.1f} | {to_ms(b, 'cpu_time'):.1f} | {reps(benchmarks, name)} | "
                   f"{rows / 1e6:.1f}M | {rows_cpu / 1e6:.1f}M | {bps / 1e9:.2f} | {bps_cpu / 1e9:.2f} | "
                   f"{pct(frac)} | {pct(frac_cpu)} | {target} | {verdict} |")
    out.append("")
    out.append("rows/s counts input rows (for the join: probe rows; the time includes the 1.5M-row build). "
               "GB/s counts the bytes of the columns the query reads (dictionary codes as 4 bytes; for the "
               "join the probe keys plus the build keys and payload), so \"of bandwidth\" is how close "
               "a case comes to the bound of reading its columns once at the measured single-thread read "
               "bandwidth.")
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
