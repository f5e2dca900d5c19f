#!/usr/bin/env python3
"""ssb_check.py - the SSB part of bench/gpu/check.sh (standard library only).

Chooses the scale factor (SSB_SF, else the largest of a ladder whose measured
memory, disk and time needs fit), generates the data as CSV (loaded into
memory once per process), runs each SSB query on the OpenCL device and on the
CPU cores, compares the two results byte for byte, and writes
gpu_check.{md,json} to the results directory and to $OUT when set.

check.sh sets up the libraries and the ICD and passes everything else as
options; run `ssb_check.py --help` for them. Exit status: 0 when every query
that ran gave the same rows on both devices, 1 otherwise, 2 on a usage or
setup error.
"""
import argparse
import datetime
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

LADDER = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100]
CALIB_SF = 0.1
CALIB_QUERY = "q4.1.sql"
RUN_LINE = re.compile(r"^run (\d+) of (\d+): ([0-9.eE+-]+) ms, (\d+) bytes scanned", re.M)
SUMMARY = re.compile(r"load ([0-9.]+) ms, plan ([0-9.]+) ms, run ([0-9.]+) ms")


def log(t0, msg):
    print("[%3ds] %s" % (time.time() - t0, msg), flush=True)


def sf_name(sf):
    return ("%g" % sf)


def run_proc(cmd, env, timeout):
    """Runs cmd; returns (rc, stdout bytes, stderr text, wall s, peak RSS bytes).
    rc is None when the timeout killed it."""
    t = time.time()
    with tempfile.TemporaryFile() as fo, tempfile.TemporaryFile() as fe:
        p = subprocess.Popen(cmd, env=env, stdout=fo, stderr=fe)
        rc = None
        while True:  # wait4, for this child's own peak RSS
            pid, st, ru = os.wait4(p.pid, os.WNOHANG)
            if pid:
                rc = os.waitstatus_to_exitcode(st)
                p.returncode = rc
                break
            if time.time() - t > max(1.0, timeout):
                p.kill()
                pid, st, ru = os.wait4(p.pid, 0)
                p.returncode = -9
                rc = None
                break
            time.sleep(0.005)
        wall = time.time() - t
        fo.seek(0)
        fe.seek(0)
        out, err = fo.read(), fe.read()
    return rc, out, err.decode("utf-8", "replace"), wall, ru.ru_maxrss * 1024


def dir_bytes(path):
    total = 0
    for name in os.listdir(path):
        p = os.path.join(path, name)
        if os.path.isfile(p):
            total += os.path.getsize(p)
    return total


def mem_available():
    """Bytes this process may still use: MemAvailable, lowered by a cgroup
    limit when there is one."""
    avail = None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    avail = int(line.split()[1]) * 1024
    except OSError:
        pass
    for lim, cur in (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                     ("/sys/fs/cgroup/memory/memory.limit_in_bytes",
                      "/sys/fs/cgroup/memory/memory.usage_in_bytes")):
        try:
            with open(lim) as f:
                v = f.read().strip()
            with open(cur) as f:
                c = int(f.read().strip())
            if v != "max" and int(v) < (1 << 60):
                room = int(v) - c
                avail = room if avail is None else min(avail, room)
            break
        except (OSError, ValueError):
            continue
    return avail


class Sluice:
    def __init__(self, path, env, threads, repeat):
        self.path = path
        self.env = env
        self.threads = threads
        self.repeat = repeat
        helptext = subprocess.run([path, "run", "--help"], env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT).stdout.decode("utf-8", "replace")
        self.has_device = "--device" in helptext
        self.has_repeat = "--repeat" in helptext

    def gen(self, sf, out_dir, timeout):
        tmp = out_dir + ".tmp"
        subprocess.run(["rm", "-rf", tmp])
        cmd = [self.path, "gen", "ssb", "--sf", sf_name(sf), "--out", tmp, "--format", "csv",
               "--threads", str(self.threads)]
        rc, _, err, wall, _ = run_proc(cmd, self.env, timeout)
        if rc != 0:
            raise RuntimeError("sluice gen failed (%s): %s" % ("timeout" if rc is None else rc, err.strip()))
        with open(os.path.join(tmp, ".complete"), "w") as f:
            f.write("ssb csv sf %s\n" % sf_name(sf))
        subprocess.run(["rm", "-rf", out_dir])
        os.rename(tmp, out_dir)
        return wall

    def query(self, qfile, data, device, repeat, timeout):
        """Runs one query `repeat` times on device ('opencl' or 'cpu').
        Returns a dict: status, stdout, runs_ms, scanned, load_ms, wall_s, rss, error."""
        base = [self.path, "run", qfile, "--data", data, "--timing", "-f", "csv", "--threads", str(self.threads)]
        env = dict(self.env)
        if self.has_device:
            base += ["--device", device]
            if device == "opencl" and os.environ.get("CHECK_STRICT") == "1":
                base.append("--strict")
        else:
            env["SL_DEVICE"] = device
        res = {"status": "ok", "stdout": b"", "runs_ms": [], "scanned": None, "load_ms": None,
               "wall_s": 0.0, "rss": 0, "error": None}
        if self.has_repeat:
            calls = [base + ["--repeat", str(repeat)]]
        else:  # one process per run; the run phase of each summary line
            calls = [base] * repeat
        t_end = time.time() + timeout
        for cmd in calls:
            rc, out, err, wall, rss = run_proc(cmd, env, t_end - time.time())
            res["wall_s"] += wall
            res["rss"] = max(res["rss"], rss)
            if rc is None:
                res["status"] = "timeout"
                res["error"] = "killed after %.0f s" % wall
                return res
            if rc != 0:
                res["status"] = "error"
                res["error"] = "exit %d: %s" % (rc, err.strip()[-400:])
                return res
            if res["stdout"] and out != res["stdout"]:
                res["status"] = "error"
                res["error"] = "the result changed between runs"
                return res
            res["stdout"] = out
            lines = RUN_LINE.findall(err)
            if lines:
                res["runs_ms"] += [float(m[2]) for m in lines]
                res["scanned"] = int(lines[-1][3])
            m = SUMMARY.search(err)
            if m:
                res["load_ms"] = float(m.group(1))
                if not lines:
                    res["runs_ms"].append(float(m.group(3)))
            if not lines and not m:
                res["status"] = "error"
                res["error"] = "no timing lines on standard error: %s" % err.strip()[-400:]
                return res
        return res


def median_after_first(runs):
    if not runs:
        return None
    rest = runs[1:] if len(runs) > 1 else runs
    return statistics.median(rest)


def find_key(obj, key):
    if isinstance(obj, dict):
        if key in obj:
            return obj[key]
        for v in obj.values():
            r = find_key(v, key)
            if r is not None:
                return r
    elif isinstance(obj, list):
        for v in obj:
            r = find_key(v, key)
            if r is not None:
                return r
    return None


def first_diff(a, b):
    la, lb = a.decode("utf-8", "replace").splitlines(), b.decode("utf-8", "replace").splitlines()
    for i in range(max(len(la), len(lb))):
        x = la[i] if i < len(la) else "<none>"
        y = lb[i] if i < len(lb) else "<none>"
        if x != y:
            return "line %d: gpu %r, cpu %r (%d vs %d lines)" % (i + 1, x, y, len(la), len(lb))
    return "same lines, different bytes"


def choose_sf(args, sl, t0, soft_deadline, n_queries, mem, dev_mem):
    """Generates SF 0.1, runs one query on the CPU, and extrapolates."""
    calib_dir = os.path.join(args.data_root, "ssb-sf" + sf_name(CALIB_SF))
    if not os.path.exists(os.path.join(calib_dir, ".complete")):
        g = sl.gen(CALIB_SF, calib_dir, soft_deadline - time.time())
    else:
        g = 0.0
    disk_per_sf = dir_bytes(calib_dir) / CALIB_SF
    q = os.path.join(args.queries, CALIB_QUERY)
    r = sl.query(q, calib_dir, "cpu", 2, max(30, soft_deadline - time.time()))
    if r["status"] != "ok":
        raise RuntimeError("calibration run of %s failed: %s" % (CALIB_QUERY, r["error"]))
    # Everything is scaled linearly from SF 0.1, fixed costs included, so the
    # estimates err on the large side.
    rss_per_sf = r["rss"] / CALIB_SF
    load_s_per_sf = (r["load_ms"] or 0) / 1e3 / CALIB_SF
    run_s_per_sf = max(r["runs_ms"]) / 1e3 / CALIB_SF
    gen_s_per_sf = g / CALIB_SF if g else 0.0
    calib = {"sf": CALIB_SF, "gen_s": round(g, 2), "csv_bytes": int(disk_per_sf * CALIB_SF),
             "peak_rss": r["rss"], "load_ms": r["load_ms"], "run_ms": r["runs_ms"]}
    free_disk = os.statvfs(args.data_root).f_bavail * os.statvfs(args.data_root).f_frsize
    left = soft_deadline - time.time()

    def need(sf):
        # per process: load, then `repeat` runs (1.5x the calibration query
        # for the slower ones); the OpenCL process also compiles and uploads
        # (~0.5 s on an H200 with driver 580). Loading dominates: on the H200
        # machine SF 0.5 took 4 s per query for both devices, this said 8 s.
        loads = 1 if sl.has_repeat else args.repeat  # without --repeat, a process per run
        per_proc = loads * (0.2 + load_s_per_sf * sf) + args.repeat * 1.5 * run_s_per_sf * sf
        t = gen_s_per_sf * sf * 1.5 + n_queries * (2 * per_proc + 1.0)
        return t, rss_per_sf * sf, disk_per_sf * sf

    chosen, why = CALIB_SF, "smallest"
    for sf in LADDER:
        t, m, d = need(sf)
        if mem is not None and m > 0.6 * mem:
            why = "memory: SF %g needs ~%.1f GiB, 60%% of MemAvailable is %.1f GiB" % (sf, m / 2**30, 0.6 * mem / 2**30)
            break
        if dev_mem and m > 0.6 * dev_mem:
            why = "device memory: SF %g needs ~%.1f GiB" % (sf, m / 2**30)
            break
        if d > 0.8 * free_disk:
            why = "disk: SF %g needs ~%.1f GiB of CSV, %.1f GiB free" % (sf, d / 2**30, free_disk / 2**30)
            break
        if t > 0.9 * left:
            why = "time: SF %g needs ~%.0f s, %.0f s left" % (sf, t, left)
            break
        chosen = sf
    else:
        why = "the largest of the ladder"
    calib["estimate_s"] = round(need(chosen)[0], 1)
    calib["estimate_rss"] = int(need(chosen)[1])
    calib["limited_by"] = why
    log(t0, "calibration at SF %g: load %.0f ms, %s run %.0f ms, peak RSS %.0f MiB, %.0f MiB CSV"
        % (CALIB_SF, r["load_ms"] or 0, CALIB_QUERY, max(r["runs_ms"]), r["rss"] / 2**20, disk_per_sf * CALIB_SF / 2**20))
    log(t0, "scale factor %g (next step up limited by %s)" % (chosen, why))
    return chosen, calib


def fmt(v, spec="%.2f"):
    return "n/a" if v is None else spec % v


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sluice", required=True)
    ap.add_argument("--queries", required=True, help="directory of the SSB .sql files")
    ap.add_argument("--data-root", required=True, help="where the generated data go")
    ap.add_argument("--results-dir", required=True)
    ap.add_argument("--out", default="", help="a second directory for the results ($OUT)")
    ap.add_argument("--sf", type=float, default=None, help="scale factor (skips the calibration)")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--start", type=float, default=time.time(), help="epoch seconds the check began")
    ap.add_argument("--soft-deadline", type=float, required=True, help="epoch s: start no new work after")
    ap.add_argument("--hard-deadline", type=float, required=True, help="epoch s: kill what still runs")
    ap.add_argument("--devices-json", required=True, help="`sluice devices --format json` output")
    ap.add_argument("--device-index", type=int, required=True, help="index among the OpenCL devices")
    ap.add_argument("--note", action="append", default=[], help="a line for the header (repeatable)")
    ap.add_argument("--tests", default="not run", help="the OpenCL tests' outcome, for the header")
    ap.add_argument("--commit", default="unknown")
    args = ap.parse_args()
    t0 = args.start
    env = dict(os.environ)
    sl = Sluice(args.sluice, env, args.threads, args.repeat)
    if not sl.has_device:
        args.note.append("this sluice has no --device option: the device was forced with SL_DEVICE")
    if not sl.has_repeat:
        args.note.append("this sluice has no --repeat option: one process per run, "
                         "times from the `run` phase of --timing, no scanned bytes")

    with open(args.devices_json) as f:
        devs = json.load(f)
    ocl = [d for d in devs.get("devices", []) if d.get("kind") == "opencl"]
    dev = ocl[args.device_index] if args.device_index < len(ocl) else {}
    topo = devs.get("topology", {})
    driver = dev.get("driver") or dev.get("driver_version")
    if not driver:
        try:
            driver = subprocess.run(["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"],
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                    timeout=20).stdout.decode().strip().splitlines()[0]
        except (OSError, IndexError, subprocess.SubprocessError):
            driver = None
    queries = sorted(q for q in os.listdir(args.queries) if q.endswith(".sql"))
    os.makedirs(args.data_root, exist_ok=True)

    mem = mem_available()
    status = 0
    calib = None
    try:
        if args.sf is not None:
            sf = args.sf
        else:
            sf, calib = choose_sf(args, sl, t0, args.soft_deadline, len(queries), mem, dev.get("global_memory"))
        data = os.path.join(args.data_root, "ssb-sf" + sf_name(sf))
        if os.path.exists(os.path.join(data, ".complete")):
            log(t0, "SSB SF %g: reusing %s" % (sf, data))
            gen_s = None
        else:
            log(t0, "generating SSB SF %g as CSV into %s" % (sf, data))
            gen_s = sl.gen(sf, data, args.hard_deadline - time.time())
            log(t0, "generated in %.1f s (%.0f MiB)" % (gen_s, dir_bytes(data) / 2**20))
    except (RuntimeError, OSError) as e:
        print("ssb_check: %s" % e, file=sys.stderr)
        return 2

    # The device's read bandwidth, measured by a kernel.
    gbs, bw_note = None, None
    rc, out, err, _, _ = run_proc([args.sluice, "devices", "--bandwidth", "--format", "json"], env,
                                  min(120, args.hard_deadline - time.time()))
    if rc == 0:
        try:
            gbs = find_key(json.loads(out.decode()), "opencl_bandwidth_gbs")
        except ValueError:
            bw_note = "`sluice devices --bandwidth --format json` printed no JSON"
        if gbs is None and not bw_note:
            bw_note = "no opencl_bandwidth_gbs in `sluice devices --bandwidth --format json`"
    else:
        last = err.strip().splitlines()[0] if err.strip() else "exit %s" % rc
        bw_note = "`sluice devices --bandwidth` failed: %s" % last
    if bw_note:
        args.note.append(str(bw_note))
    log(t0, "OpenCL read bandwidth: %s GB/s" % fmt(gbs, "%.1f"))

    rows = []
    est = None  # seconds the last query pair took
    for q in queries:
        name = q[:-4]
        now = time.time()
        if now >= args.soft_deadline or (est is not None and now + est > args.hard_deadline):
            rows.append({"query": name, "check": "skipped: time"})
            continue
        qfile = os.path.join(args.queries, q)
        t_q = time.time()
        g = sl.query(qfile, data, "opencl", args.repeat, args.hard_deadline - time.time())
        c = sl.query(qfile, data, "cpu", args.repeat, args.hard_deadline - time.time()) \
            if g["status"] != "timeout" else {"status": "timeout", "error": "not run", "runs_ms": [],
                                              "scanned": None, "stdout": b""}
        est = time.time() - t_q
        row = {"query": name,
               "gpu_first_ms": g["runs_ms"][0] if g["runs_ms"] else None,
               "gpu_median_ms": median_after_first(g["runs_ms"]),
               "cpu_first_ms": c["runs_ms"][0] if c["runs_ms"] else None,
               "cpu_median_ms": median_after_first(c["runs_ms"]),
               "gpu_runs_ms": g["runs_ms"], "cpu_runs_ms": c["runs_ms"],
               "scanned_bytes": g["scanned"] if g["scanned"] is not None else c.get("scanned"),
               "rows": max(0, g["stdout"].count(b"\n") - 1) if g["stdout"] else None}
        if row["gpu_median_ms"] and row["cpu_median_ms"]:
            row["speedup"] = row["cpu_median_ms"] / row["gpu_median_ms"]
        if gbs and row["scanned_bytes"] and row["gpu_median_ms"]:
            row["pct_bound"] = row["scanned_bytes"] / (row["gpu_median_ms"] / 1e3) / (gbs * 1e9) * 100
        if "timeout" in (g["status"], c["status"]):
            row["check"] = "skipped: time"
            row["error"] = "killed at the deadline (%s)" % ("gpu" if g["status"] == "timeout" else "cpu")
        elif g["status"] != "ok" or c["status"] != "ok":
            row["check"] = "FAIL: " + ("gpu error" if g["status"] != "ok" else "cpu error")
            row["error"] = g["error"] if g["status"] != "ok" else c["error"]
            status = 1
        elif g["stdout"] != c["stdout"]:
            row["check"] = "FAIL: results differ"
            row["error"] = first_diff(g["stdout"], c["stdout"])
            status = 1
        else:
            row["check"] = "ok"
        rows.append(row)
        log(t0, "%-5s gpu %s ms, cpu %s ms: %s%s" % (name, fmt(row.get("gpu_median_ms"), "%.2f"),
                                                    fmt(row.get("cpu_median_ms"), "%.2f"), row["check"],
                                                    " (%s)" % row["error"] if row.get("error") else ""))

    header = {
        "device": dev.get("name"), "device_type": dev.get("type"), "device_vendor": dev.get("vendor"),
        "opencl_version": dev.get("version"), "platform": dev.get("platform"), "driver": driver,
        "device_global_memory": dev.get("global_memory"), "opencl_device_index": args.device_index,
        "opencl_bandwidth_gbs": gbs,
        "host_cpu": topo.get("cpu_model"), "cores": os.cpu_count(), "threads": args.threads,
        "mem_available": mem, "sf": sf, "data_format": "csv (loaded into memory once per process)",
        "repeat": args.repeat, "timing": "median of runs 2..N; run 1 (uploads, compiles) as first run",
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "commit": args.commit, "opencl_tests": args.tests, "gen_s": gen_s, "calibration": calib,
        "elapsed_s": round(time.time() - t0, 1), "notes": args.note,
    }
    doc = dict(header)
    doc["queries"] = rows
    md = ["# GPU check: SSB on OpenCL and on the CPU", ""]
    md.append("- device: %s (%s, %s), OpenCL device %d" % (header["device"], header["device_type"],
                                                           header["opencl_version"], args.device_index))
    md.append("- driver: %s" % (driver or "n/a"))
    md.append("- read bandwidth (measured by a kernel): %s GB/s" % fmt(gbs, "%.1f"))
    md.append("- host CPU: %s, %s cores, %d threads" % (header["host_cpu"], header["cores"], args.threads))
    md.append("- SSB SF %g, CSV loaded into memory; %d runs per query, median of runs 2..%d"
              % (sf, args.repeat, args.repeat))
    if calib:
        md.append("- scale factor chosen by calibration: next step limited by %s" % calib["limited_by"])
    md.append("- OpenCL tests: %s" % args.tests)
    md.append("- date: %s; commit %s; %.0f s in all" % (header["date"], args.commit, header["elapsed_s"]))
    for n in args.note:
        md.append("- note: %s" % n)
    md += ["", "| query | GPU median ms | GPU first run ms | CPU median ms | speed-up | scanned bytes "
               "| % of GPU bandwidth bound | result check |",
           "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for r in rows:
        md.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["query"], fmt(r.get("gpu_median_ms")), fmt(r.get("gpu_first_ms")), fmt(r.get("cpu_median_ms")),
            fmt(r.get("speedup"), "%.2fx"), fmt(r.get("scanned_bytes"), "%d"), fmt(r.get("pct_bound"), "%.1f"),
            r["check"] + (" (%s)" % r["error"] if r.get("error") else "")))
    text = "\n".join(md) + "\n"
    for d in [args.results_dir] + ([args.out] if args.out else []):
        os.makedirs(d, exist_ok=True)
        for fname, body in (("gpu_check.md", text), ("gpu_check.json", json.dumps(doc, indent=2) + "\n")):
            tmp = os.path.join(d, fname + ".part")
            with open(tmp, "w") as f:
                f.write(body)
            os.rename(tmp, os.path.join(d, fname))
    print()
    print(text, end="")
    return status


if __name__ == "__main__":
    sys.exit(main())
