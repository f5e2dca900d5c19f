#!/usr/bin/env python3
"""ssb_check.py - the SSB part of bench/gpu/check.sh (standard library only).

Chooses the scale factor (SSB_SF, else the largest of a ladder whose measured
memory, disk and time needs fit), generates the data as CSV, runs the 13 SSB
queries in one `sluice run` process on the OpenCL device and in one on the
CPU cores (so the tables are loaded twice in all, once per device), compares
the two results of each query byte for byte, and writes gpu_check.{md,json}
to the results directory and to $OUT when set.

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
RUN_LINE = re.compile(r"^run (\d+) of (\d+): ([0-9.eE+-]+) ms, (\d+) bytes scanned", re.M)
SUMMARY = re.compile(r"load ([0-9.]+) ms, plan ([0-9.]+) ms, run ([0-9.]+) ms")
WARNING = "sluice: warning: "
# Seconds a process costs besides loading and the query runs (start, exit).
PROC_FIXED_S = 0.2
# Seconds the OpenCL device's first run of a query adds (kernel builds and
# column uploads; ~0.5 s on an H200 with driver 580).
GPU_FIRST_S = 1.0


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
    limit when there is one. hwloc's figure (`sluice devices`' topology) is
    not used: the machines have reported less there than MemAvailable."""
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


def one_line(lines, limit=400):
    """An error message's lines as one line (for a table cell), at most
    limit characters, its end kept."""
    text = " / ".join(l.strip() for l in lines if l.strip())
    return text if len(text) <= limit else "..." + text[-limit:]


def new_result(status="ok", error=None):
    return {"status": status, "stdout": b"", "runs_ms": [], "scanned": None, "load_ms": None,
            "warnings": [], "error": error}


def parse_timing(res, err):
    """Fills res from one plan's standard error (its --timing lines);
    returns False when there are none."""
    lines = RUN_LINE.findall(err)
    if lines:
        res["runs_ms"] += [float(m[2]) for m in lines]
        res["scanned"] = int(lines[-1][3])
    m = SUMMARY.search(err)
    if m:
        res["load_ms"] = float(m.group(1))
        if not lines:
            res["runs_ms"].append(float(m.group(3)))
    for line in err.splitlines():
        if line.startswith(WARNING) and line[len(WARNING):] not in res["warnings"]:
            res["warnings"].append(line[len(WARNING):])
    return bool(lines or m)


def split_sections(text, markers):
    """Splits text (lines, bytes or str) at the lines equal to markers, which
    come in this order. Returns (head, {index: section}); a plan whose marker
    is missing has no entry."""
    nl = b"\n" if isinstance(text, bytes) else "\n"
    head, sections, cur, k = [], {}, None, 0
    for line in text.splitlines(keepends=True):
        if k < len(markers) and line.rstrip(nl) == markers[k]:
            cur = sections.setdefault(k, [])
            k += 1
        elif cur is None:
            head.append(line)
        else:
            cur.append(line)
    join = text[:0].join
    return join(head), {i: join(s) for i, s in sections.items()}


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
        # `sluice run PLAN [PLAN...]`: several plans over tables loaded once.
        self.has_multi = self.has_repeat and "PLAN [PLAN...]" in helptext
        self.procs = []  # every query process: device, plans, exit, wall, peak RSS, load

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

    def base(self, data, device):
        cmd = [self.path, "run", "--data", data, "--timing", "-f", "csv", "--threads", str(self.threads)]
        env = dict(self.env)
        if self.has_device:
            cmd += ["--device", device]
            if device == "opencl" and os.environ.get("CHECK_STRICT") == "1":
                cmd.append("--strict")
        else:
            env["SL_DEVICE"] = device
        return cmd, env

    def _record(self, device, qfiles, rc, wall, rss, load_ms):
        self.procs.append({"device": device, "queries": [os.path.basename(q)[:-4] for q in qfiles],
                           "exit": "killed" if rc is None else rc, "wall_s": round(wall, 2),
                           "peak_rss": rss, "load_ms": load_ms})

    def run_all(self, qfiles, data, device, repeat, soft_deadline, hard_deadline):
        """Runs every query of qfiles `repeat` times on device ('opencl' or
        'cpu'), all in one process over tables loaded once; after a query
        fails, the ones after it run in a new process. No process starts
        after soft_deadline; what runs at hard_deadline is killed. Returns
        {qfile: result}, a result being a dict: status (ok, error, timeout,
        skipped), stdout, runs_ms, scanned, load_ms, warnings, error."""
        if not self.has_multi:
            return self._run_each(qfiles, data, device, repeat, soft_deadline, hard_deadline)
        results = {}
        todo = list(qfiles)
        while todo:
            if time.time() >= soft_deadline:
                break
            cmd, env = self.base(data, device)
            cmd[2:2] = todo  # `sluice run Q1 Q2 ... --data ...`
            cmd += ["--repeat", str(repeat)]
            rc, out, err, wall, rss = run_proc(cmd, env, hard_deadline - time.time())
            if len(todo) == 1:  # one plan: no `== PATH ==` lines
                out_head, outs = b"", {0: out}
                err_head, errs = "", {0: err}
            else:
                out_head, outs = split_sections(out, [("== %s ==" % q).encode() for q in todo])
                err_head, errs = split_sections(err, ["== %s ==" % q for q in todo])
            done = 0
            for i, q in enumerate(todo):
                res = new_result()
                # Standard output is trusted when the process exited, or up to
                # the next plan's line (flushed before it) when it was killed.
                flushed = rc is not None or i + 1 in outs
                if i not in errs or not SUMMARY.search(errs[i]) or i not in outs or not flushed:
                    break
                parse_timing(res, errs[i])
                res["stdout"] = outs[i]
                results[q] = res
                done += 1
            loads = [r["load_ms"] for r in results.values() if r["load_ms"] is not None]
            self._record(device, todo, rc, wall, rss, loads[-1] if loads else None)
            if done == len(todo):
                break
            q = todo[done]
            if rc is None:
                results[q] = new_result("timeout", "killed after %.0f s" % wall)
                break
            # The failing plan: its own section when its `== PATH ==` line came
            # (it failed while running), else what follows the last plan that
            # finished (it failed while being read or planned).
            if done in errs:
                text = errs[done]
            elif done > 0:
                text = errs[done - 1][SUMMARY.search(errs[done - 1]).end():]
            else:
                text = err_head if len(todo) > 1 else err
            res = new_result("error")
            parse_timing(res, text)  # for its warnings; a failed plan has no times
            res["runs_ms"], res["scanned"], res["load_ms"] = [], None, None
            msg = one_line(l for l in text.splitlines() if not RUN_LINE.match(l) and not l.startswith(WARNING))
            res["error"] = "exit %d: %s" % (rc, msg or one_line(err.splitlines())) if rc else \
                "no result for this plan (exit 0)"
            results[q] = res
            todo = todo[done + 1:]
        for q in qfiles:
            results.setdefault(q, new_result("skipped", "not started before the deadline"))
        return results

    def _run_each(self, qfiles, data, device, repeat, soft_deadline, hard_deadline):
        """run_all for a sluice without several plans per process: a process
        per query (and per run without --repeat)."""
        results = {}
        for q in qfiles:
            if time.time() >= soft_deadline:
                results[q] = new_result("skipped", "not started before the deadline")
                continue
            results[q] = self._query(q, data, device, repeat, hard_deadline - time.time())
            if results[q]["status"] == "timeout":
                break
        for q in qfiles:
            results.setdefault(q, new_result("skipped", "not started before the deadline"))
        return results

    def _query(self, qfile, data, device, repeat, timeout):
        base, env = self.base(data, device)
        base.insert(2, qfile)
        res = new_result()
        if self.has_repeat:
            calls = [base + ["--repeat", str(repeat)]]
        else:  # one process per run; the run phase of each summary line
            calls = [base] * repeat
        t_end = time.time() + timeout
        for cmd in calls:
            rc, out, err, wall, rss = run_proc(cmd, env, t_end - time.time())
            self._record(device, [qfile], rc, wall, rss, res["load_ms"])
            if rc is None:
                res["status"] = "timeout"
                res["error"] = "killed after %.0f s" % wall
                return res
            if rc != 0:
                res["status"] = "error"
                res["error"] = "exit %d: %s" % (rc, one_line(err.splitlines()))
                return res
            if res["stdout"] and out != res["stdout"]:
                res["status"] = "error"
                res["error"] = "the result changed between runs"
                return res
            res["stdout"] = out
            if not parse_timing(res, err):
                res["status"] = "error"
                res["error"] = "no timing lines on standard error: %s" % one_line(err.splitlines())
                return res
            self.procs[-1]["load_ms"] = res["load_ms"]
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


def choose_sf(args, sl, t0, soft_deadline, qfiles, mem, dev_mem):
    """Generates SF 0.1, runs every query on the CPU in one process (as the
    check does), and extrapolates."""
    calib_dir = os.path.join(args.data_root, "ssb-sf" + sf_name(CALIB_SF))
    if not os.path.exists(os.path.join(calib_dir, ".complete")):
        g = sl.gen(CALIB_SF, calib_dir, soft_deadline - time.time())
    else:
        g = 0.0
    disk_per_sf = dir_bytes(calib_dir) / CALIB_SF
    n_procs = len(sl.procs)
    t_cal = time.time()
    res = sl.run_all(qfiles, calib_dir, "cpu", 2, max(t_cal + 1, soft_deadline), max(t_cal + 30, soft_deadline))
    procs = sl.procs[n_procs:]
    del sl.procs[n_procs:]  # the table lists the check's own processes
    ok = {q: r for q, r in res.items() if r["status"] == "ok"}
    bad = ["%s: %s" % (os.path.basename(q), r["error"]) for q, r in res.items() if r["status"] != "ok"]
    if not ok:
        raise RuntimeError("calibration runs failed: %s" % "; ".join(bad))
    if bad:
        log(t0, "calibration: %d of %d queries failed on the CPU (%s)" % (len(bad), len(qfiles), "; ".join(bad)))
    # Everything is scaled linearly from SF 0.1, fixed costs included, so the
    # estimates err on the large side. The peak RSS is the process's: the
    # tables and the largest query's working memory.
    rss = max(p["peak_rss"] for p in procs)
    load_ms = max(r["load_ms"] or 0 for r in ok.values())
    rss_per_sf = rss / CALIB_SF
    load_s_per_sf = load_ms / 1e3 / CALIB_SF
    # one run of every query (the slower of the two runs; those that failed
    # counted as the mean of the others)
    run_s = sum(max(r["runs_ms"]) for r in ok.values()) / 1e3 * len(qfiles) / len(ok)
    run_s_per_sf = run_s / CALIB_SF
    gen_s_per_sf = g / CALIB_SF if g else 0.0
    calib = {"sf": CALIB_SF, "gen_s": round(g, 2), "csv_bytes": int(disk_per_sf * CALIB_SF),
             "peak_rss": rss, "load_ms": load_ms, "calibration_s": round(time.time() - t_cal, 2),
             "run_ms": {os.path.basename(q)[:-4]: r["runs_ms"] for q, r in ok.items()}}
    free_disk = os.statvfs(args.data_root).f_bavail * os.statvfs(args.data_root).f_frsize
    left = soft_deadline - time.time()
    n = len(qfiles)

    def need(sf):
        # Per device: its loads (one process, so one load; without several
        # plans per process, one per query, and per run without --repeat),
        # then `repeat` runs of every query (1.5x the calibration runs). The
        # OpenCL device's first runs also build kernels and upload columns.
        # Then the read-bandwidth kernel (~5 s).
        loads = 1 if sl.has_multi else n * (1 if sl.has_repeat else args.repeat)
        per_device = loads * (PROC_FIXED_S + load_s_per_sf * sf) + args.repeat * 1.5 * run_s_per_sf * sf
        t = gen_s_per_sf * sf * 1.5 + 2 * per_device + n * GPU_FIRST_S + 5.0
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
    log(t0, "calibration at SF %g: load %.0f ms, one run of the %d queries %.0f ms, peak RSS %.0f MiB, %.0f MiB CSV"
        % (CALIB_SF, load_ms, n, run_s * 1e3, rss / 2**20, disk_per_sf * CALIB_SF / 2**20))
    log(t0, "scale factor %g (~%.0f s, ~%.1f GiB; next step up limited by %s)"
        % (chosen, calib["estimate_s"], calib["estimate_rss"] / 2**30, why))
    return chosen, calib


def fmt(v, spec="%.2f"):
    return "n/a" if v is None else spec % v


def log_procs(t0, procs):
    for p in procs:
        log(t0, "  %s process, %d queries: exit %s, %.1f s, load %s ms, peak RSS %.0f MiB"
            % (p["device"], len(p["queries"]), p["exit"], p["wall_s"], fmt(p["load_ms"], "%.0f"),
               p["peak_rss"] / 2**20))


def procs_summary(procs):
    """'GPU: 1 process, load 812 ms, peak RSS 1.2 GiB; CPU: ...'"""
    parts = []
    for dev, label in (("opencl", "GPU"), ("cpu", "CPU")):
        ps = [p for p in procs if p["device"] == dev]
        if not ps:
            continue
        loads = [p["load_ms"] for p in ps if p["load_ms"] is not None]
        parts.append("%s: %d process%s, load %s ms, peak RSS %.2f GiB" % (
            label, len(ps), "" if len(ps) == 1 else "es", fmt(max(loads) if loads else None, "%.0f"),
            max(p["peak_rss"] for p in ps) / 2**30))
    return "; ".join(parts) or "no query ran"


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
    elif not sl.has_multi:
        args.note.append("this sluice runs one plan per process: one process per query and device, "
                         "each loading the tables")

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
    qfiles = [os.path.join(args.queries, q) for q in queries]
    os.makedirs(args.data_root, exist_ok=True)

    mem = mem_available()
    status = 0
    calib = None
    try:
        if args.sf is not None:
            sf = args.sf
        else:
            sf, calib = choose_sf(args, sl, t0, args.soft_deadline, qfiles, mem, dev.get("global_memory"))
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

    # The queries: one process per device, the tables loaded once in each.
    log(t0, "OpenCL device: %d queries x %d runs in one process" % (len(qfiles), args.repeat))
    # The device's processes may use 60% of the time left before the soft
    # deadline, so that a hang there leaves the CPU the time to run what the
    # device finished (the CPU's process starts before the soft deadline and
    # may run to the hard one).
    gpu_deadline = time.time() + 0.6 * max(0.0, args.soft_deadline - time.time())
    gpu = sl.run_all(qfiles, data, "opencl", args.repeat, args.soft_deadline, gpu_deadline)
    log_procs(t0, sl.procs)
    n_gpu = len(sl.procs)
    # On the CPU, every query that the deadline did not stop on the device.
    cpu_q = [q for q in qfiles if gpu[q]["status"] not in ("timeout", "skipped")]
    if cpu_q:
        log(t0, "CPU, %d threads: %d queries x %d runs in one process" % (args.threads, len(cpu_q), args.repeat))
    cpu = sl.run_all(cpu_q, data, "cpu", args.repeat, args.soft_deadline, args.hard_deadline)
    log_procs(t0, sl.procs[n_gpu:])

    rows = []
    for qfile, q in zip(qfiles, queries):
        name = q[:-4]
        g = gpu[qfile]
        c = cpu.get(qfile) or new_result("skipped", "not run: the device's run was stopped by the deadline")
        if g["status"] == "skipped" and c["status"] == "skipped":
            rows.append({"query": name, "check": "skipped: time"})
            log(t0, "%-5s skipped: time" % name)
            continue
        row = {"query": name,
               "gpu_first_ms": g["runs_ms"][0] if g["runs_ms"] else None,
               "gpu_median_ms": median_after_first(g["runs_ms"]),
               "cpu_first_ms": c["runs_ms"][0] if c["runs_ms"] else None,
               "cpu_median_ms": median_after_first(c["runs_ms"]),
               "gpu_runs_ms": g["runs_ms"], "cpu_runs_ms": c["runs_ms"],
               "scanned_bytes": g["scanned"] if g["scanned"] is not None else c.get("scanned"),
               "rows": max(0, g["stdout"].count(b"\n") - 1) if g["stdout"] else None}
        for dname, r in (("gpu", g), ("cpu", c)):
            if r["warnings"]:
                row[dname + "_warnings"] = r["warnings"]
                for w in r["warnings"]:
                    args.note.append("%s on the %s: warning: %s" % (name, dname.upper(), w))
        if row["gpu_median_ms"] and row["cpu_median_ms"]:
            row["speedup"] = row["cpu_median_ms"] / row["gpu_median_ms"]
        if gbs and row["scanned_bytes"] and row["gpu_median_ms"]:
            row["pct_bound"] = row["scanned_bytes"] / (row["gpu_median_ms"] / 1e3) / (gbs * 1e9) * 100
        stopped = [d for d, r in (("gpu", g), ("cpu", c)) if r["status"] in ("timeout", "skipped")]
        if stopped:
            row["check"] = "skipped: time"
            row["error"] = "%s: %s" % (stopped[0], (g if stopped[0] == "gpu" else c)["error"])
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
        "processes": sl.procs,
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
    md.append("- SSB SF %g, CSV loaded into memory once per %s (%s); %d runs per query, median of runs 2..%d"
              % (sf, "device" if sl.has_multi else "process", procs_summary(sl.procs), args.repeat, args.repeat))
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
            (r["check"] + (" (%s)" % r["error"] if r.get("error") else "")).replace("|", "\\|")))
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
