#!/usr/bin/env bash
# check.sh — the GPU check: on a fresh GPU machine without network access,
# runs the OpenCL tests, then SSB at the largest scale factor that fits the
# machine's memory and a few minutes, on the OpenCL device and on all CPU
# cores (all 13 queries in one `sluice run` process per device, so the tables
# load twice in all), and writes a results table (ms per query, % of the GPU's
# bandwidth bound, device name) to bench/results/gpu_check.{md,json} and to
# $OUT when set. Then, when the bundle has them, the micro benchmarks run on
# 1, 2, 4, ... threads up to the core count, into
# bench/results/micro_<N>c.{md,json} (N cores).
# See bench/gpu/README.md.
#
# Usage: bench/gpu/check.sh
# Environment (all optional):
#   OUT                 a second directory for gpu_check.{md,json}
#   SSB_SF              scale factor (default: chosen by calibration)
#   SSB_REPEAT          runs per query and device (default 5)
#   CHECK_BUDGET_S      seconds after which no new work starts (default 420;
#                       what runs is killed 45 s later)
#   CHECK_RESULTS_DIR   instead of bench/results
#   CHECK_DATA_DIR      where the generated data go and stay for a rerun
#                       (default: a temporary directory, removed at the end)
#   CHECK_THREADS       CPU worker threads (default nproc)
#   CHECK_SLUICE        a sluice binary to use instead of the bundle's; the
#                       OpenCL tests then come from CHECK_TESTS_DIR (default
#                       its build tree's tests/)
#   CHECK_OCL_TESTS=0   skip the OpenCL test binaries
#   CHECK_STRICT=1      pass --strict with --device opencl
#   CHECK_MICRO=0       skip the micro benchmarks
#   CHECK_MICRO_S       seconds the micro benchmarks may take (default 240)
#   GPU_BUNDLE          the bundle directory (default bench/gpu/bundle)
#   SL_OPENCL_DEVICE    the OpenCL device (default: the first GPU, else device 0)
# Exit status: 0 all passed; 1 a test failed or a query's GPU and CPU results
# differ or fail; 2 setup error; 4 no OpenCL device.
set -euo pipefail

t_start=$(date +%s)
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
budget=${CHECK_BUDGET_S:-420}
soft_deadline=$((t_start + budget))
hard_deadline=$((soft_deadline + 45))
bundle=${GPU_BUNDLE:-$root/bench/gpu/bundle}
results=${CHECK_RESULTS_DIR:-$root/bench/results}
repeat=${SSB_REPEAT:-5}
threads=${CHECK_THREADS:-$(nproc 2>/dev/null || echo 1)}
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-gpu-check.XXXXXX")
trap 'rm -rf "$work"' EXIT

log() { printf '[%3ds] %s\n' $(($(date +%s) - t_start)) "$*"; }
die() {
    echo "check.sh: $2" >&2
    exit "$1"
}

command -v python3 >/dev/null || die 2 "python3 is needed (standard library only)"

# ---- the binaries -----------------------------------------------------------
if [ -n "${CHECK_SLUICE:-}" ]; then
    sluice=$CHECK_SLUICE
    testdir=${CHECK_TESTS_DIR:-$(dirname "$sluice")/tests}
    commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
else
    if [ ! -x "$bundle/bin/sluice" ]; then
        if command -v cmake >/dev/null && command -v cc >/dev/null; then
            log "no bundle in $bundle; building it (scripts/gpu-bundle.sh)"
            bash "$root/scripts/gpu-bundle.sh" "$bundle" ||
                die 2 "could not build the bundle; run scripts/gpu-bundle.sh on a machine with the build dependencies and copy $bundle here"
        else
            die 2 "no bundle in $bundle and no compiler here: run scripts/gpu-bundle.sh on a machine with the build dependencies and copy $bundle here"
        fi
    fi
    sluice=$bundle/bin/sluice
    testdir=$bundle/bin
    commit=$(awk '/^commit:/ {print $2; exit}' "$bundle/MANIFEST" 2>/dev/null || echo unknown)
    log "bundle $bundle: $(sed -n 's/^commit: //p' "$bundle/MANIFEST" 2>/dev/null)"
fi
[ -x "$sluice" ] || die 2 "no sluice binary at $sluice"
shopt -s nullglob
tests=()
if [ "${CHECK_OCL_TESTS:-1}" != 0 ]; then
    for t in "$testdir"/test_ocl*; do
        [ -x "$t" ] && [ -f "$t" ] && tests+=("$t")
    done
fi
shopt -u nullglob
# the micro benchmarks (step 8), when the bundle has them
micro_bin=$(dirname "$sluice")/sluice_bench_micro
libs_for=("$sluice" ${tests[@]+"${tests[@]}"})
[ -x "$micro_bin" ] && [ "${CHECK_MICRO:-1}" != 0 ] && libs_for+=("$micro_bin")

# ---- shared libraries: the bundle's, only those the system lacks --------------
# A library the system has (a newer libstdc++, the system's ICD loader) wins;
# each one ldd cannot find is linked from the bundle into a directory put
# first on LD_LIBRARY_PATH, repeated for what those in turn need.
libdir=$work/lib
mkdir -p "$libdir"
missing_libs() {
    # (ldd fails on a script, e.g. a CHECK_SLUICE wrapper: nothing to add for it)
    { LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} ldd "$@" 2>/dev/null || true; } |
        awk '$2 == "=>" && $3 == "not" {print $1}' | sort -u
}
added=()
for _ in 1 2 3 4 5 6; do
    new=0
    for name in $(missing_libs "${libs_for[@]}"); do
        if [ -e "$bundle/lib/$name" ] && [ ! -e "$libdir/$name" ]; then
            ln -s "$bundle/lib/$name" "$libdir/$name"
            added+=("$name")
            new=1
        fi
    done
    [ "$new" = 1 ] || break
done
still=$(missing_libs "${libs_for[@]}" | tr '\n' ' ')
[ -z "$still" ] || die 2 "libraries neither the system nor $bundle/lib has: $still"
export LD_LIBRARY_PATH=$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
if [ ${#added[@]} -gt 0 ]; then
    log "from the bundle (the system lacks them): ${added[*]}"
else
    log "every shared library comes from the system"
fi

# ---- the OpenCL ICD ------------------------------------------------------------
# Without a vendor file for NVIDIA the loader does not see the GPU: find the
# NVIDIA OpenCL library and give the loader a vendors directory naming it
# (and the system's other vendor files, so nothing else is lost).
find_nvidia_ocl() {
    local p
    p=$(ldconfig -p 2>/dev/null | awk '$1 == "libnvidia-opencl.so.1" && /x86-64/ {print $NF; exit}') || true
    for c in "$p" /usr/local/nvidia/lib64/libnvidia-opencl.so.1 /usr/lib/x86_64-linux-gnu/libnvidia-opencl.so.1 \
        /usr/lib64/libnvidia-opencl.so.1 /usr/lib/libnvidia-opencl.so.1; do
        if [ -n "$c" ] && [ -e "$c" ]; then
            echo "$c"
            return
        fi
    done
    # Search further only where an NVIDIA driver is loaded.
    if [ -e /proc/driver/nvidia/version ] || [ -e /dev/nvidiactl ]; then
        (timeout 20 find /usr /opt /lib /lib64 -name libnvidia-opencl.so.1 2>/dev/null || true) | head -n 1
    fi
}
notes=()
if [ -n "${OCL_ICD_VENDORS:-}" ]; then
    log "OCL_ICD_VENDORS=$OCL_ICD_VENDORS is set; left as it is"
elif compgen -G '/etc/OpenCL/vendors/*nvidia*.icd' >/dev/null; then
    log "NVIDIA vendor file: $(compgen -G '/etc/OpenCL/vendors/*nvidia*.icd' | head -n 1)"
else
    nvlib=$(find_nvidia_ocl)
    if [ -n "$nvlib" ]; then
        mkdir -p "$work/vendors"
        echo "$nvlib" >"$work/vendors/nvidia.icd"
        for f in /etc/OpenCL/vendors/*.icd; do
            [ -f "$f" ] && cp "$f" "$work/vendors/"
        done
        export OCL_ICD_VENDORS=$work/vendors
        nvdir=$(dirname "$nvlib")
        case $nvdir in
            /lib | /lib64 | /usr/lib | /usr/lib64 | /lib/x86_64-linux-gnu | /usr/lib/x86_64-linux-gnu) ;;
            *) export LD_LIBRARY_PATH=$LD_LIBRARY_PATH:$nvdir ;; # what it links, after ours
        esac
        log "no NVIDIA vendor file; OCL_ICD_VENDORS=$OCL_ICD_VENDORS names $nvlib"
        notes+=("ICD: no NVIDIA vendor file; the loader was pointed at $nvlib")
    else
        log "no libnvidia-opencl.so.1 on this machine; the ICD loader's own vendor files are used"
    fi
fi

# ---- 1. devices ----------------------------------------------------------------
log "devices:"
"$sluice" devices | sed 's/^/    /' || die 2 "sluice devices failed"
"$sluice" devices --format json >"$work/devices.json" || die 2 "sluice devices --format json failed"
pick=$(python3 - "$work/devices.json" "${SL_OPENCL_DEVICE:-}" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
ocl = [x for x in d.get("devices", []) if x.get("kind") == "opencl"]
if not ocl:
    print("none\t%s" % (d.get("opencl_note") or "no OpenCL device"))
elif sys.argv[2]:
    i = int(sys.argv[2])
    print("%d\t%s\t%s\tset" % (i, ocl[i]["name"] if i < len(ocl) else "?", ocl[i].get("type") if i < len(ocl) else "?"))
else:
    gpus = [i for i, x in enumerate(ocl) if x.get("type") == "gpu"]
    i = gpus[0] if gpus else 0
    print("%d\t%s\t%s\t%s" % (i, ocl[i]["name"], ocl[i].get("type"), "gpu" if gpus else "nogpu"))
EOF
)
IFS=$'\t' read -r dev_index dev_name dev_type how <<<"$pick"
if [ "$dev_index" = none ]; then
    die 4 "no OpenCL device: $dev_name"
fi
export SL_OPENCL_DEVICE=$dev_index
case $how in
    gpu) log "OpenCL device $dev_index: $dev_name (GPU)" ;;
    set) log "OpenCL device $dev_index: $dev_name ($dev_type), chosen by SL_OPENCL_DEVICE" ;;
    *)
        log "NO GPU FOUND: running on the first OpenCL device, $dev_index: $dev_name ($dev_type)"
        notes+=("no GPU found: ran on OpenCL device $dev_index, $dev_name ($dev_type)")
        ;;
esac

# ---- 2. the OpenCL tests --------------------------------------------------------
fail=0
tests_summary="none in $testdir"
if [ "${CHECK_OCL_TESTS:-1}" = 0 ]; then
    tests_summary="skipped (CHECK_OCL_TESTS=0)"
elif [ ${#tests[@]} -gt 0 ]; then
    mkdir -p "$work/tests"
    passed=0
    failed_names=()
    for t in "${tests[@]}"; do
        name=$(basename "$t")
        left=$((soft_deadline - $(date +%s)))
        [ "$left" -gt 30 ] || left=30
        [ "$left" -lt 180 ] || left=180
        t0=$(date +%s)
        if timeout "$left" "$t" >"$work/tests/$name.log" 2>&1; then
            passed=$((passed + 1))
            log "ok   $name ($(($(date +%s) - t0)) s)"
        else
            rc=$?
            failed_names+=("$name")
            log "FAIL $name (exit $rc$([ "$rc" = 124 ] && echo ", timed out after $left s"))"
            tail -n 30 "$work/tests/$name.log" | sed 's/^/    /'
            [ -n "${OUT:-}" ] && mkdir -p "$OUT" && cp "$work/tests/$name.log" "$OUT/"
        fi
    done
    tests_summary="$passed of ${#tests[@]} passed"
    if [ ${#failed_names[@]} -gt 0 ]; then
        tests_summary="$tests_summary; FAILED: ${failed_names[*]}"
        fail=1
    fi
fi
log "OpenCL tests: $tests_summary"

# ---- 3-7. SSB on the device and on the CPU ------------------------------------------
args=(--sluice "$sluice" --queries "$root/bench/queries/ssb" --results-dir "$results"
    --data-root "${CHECK_DATA_DIR:-$work/data}" --repeat "$repeat" --threads "$threads"
    --start "$t_start" --soft-deadline "$soft_deadline" --hard-deadline "$hard_deadline"
    --devices-json "$work/devices.json" --device-index "$dev_index" --tests "$tests_summary"
    --commit "$commit")
[ -n "${OUT:-}" ] && args+=(--out "$OUT")
[ -n "${SSB_SF:-}" ] && args+=(--sf "$SSB_SF")
for n in ${notes[@]+"${notes[@]}"}; do args+=(--note "$n"); done
rc=0
python3 "$root/bench/gpu/ssb_check.py" "${args[@]}" || rc=$?
[ "$rc" = 0 ] || fail=1
log "results: $results/gpu_check.md${OUT:+ and $OUT/gpu_check.md}"
if [ "$rc" -ge 2 ]; then exit 2; fi

# ---- 8. the micro benchmarks on every thread count -----------------------------------
if [ "${CHECK_MICRO:-1}" = 0 ]; then
    log "micro benchmarks: skipped (CHECK_MICRO=0)"
elif [ ! -x "$micro_bin" ]; then
    log "micro benchmarks: no $micro_bin (the bundle has it when scripts/gpu-bundle.sh finds Google Benchmark)"
else
    cores=$(nproc 2>/dev/null || echo 1)
    name=micro_${cores}c
    log "micro benchmarks on 1..$cores threads (at most ${CHECK_MICRO_S:-240} s)"
    mrc=0
    timeout "${CHECK_MICRO_S:-240}" "$micro_bin" --benchmark_min_time=0.2 --benchmark_repetitions=3 \
        --benchmark_display_aggregates_only=true --benchmark_out="$work/$name.json" \
        --benchmark_out_format=json >"$work/$name.log" 2>&1 || mrc=$?
    if [ "$mrc" = 0 ] && [ -s "$work/$name.json" ]; then
        cp "$work/$name.json" "$results/$name.json"
        python3 "$root/bench/summarize_micro.py" "$results/$name.json" "$results/$name.md" --no-targets \
            --commit "$commit" --by "bench/gpu/check.sh on $cores cores" || mrc=1
        [ -n "${OUT:-}" ] && mkdir -p "$OUT" && cp "$results/$name.json" "$results/$name.md" "$OUT/"
        log "micro benchmarks: $results/$name.md"
        grep '^| engine/\|^| bandwidth/' "$results/$name.md" | cut -d'|' -f2-7,12 | sed 's/^/    /'
    else
        log "micro benchmarks FAILED (exit $mrc$([ "$mrc" = 124 ] && echo ", timed out")):"
        tail -n 20 "$work/$name.log" | sed 's/^/    /'
        [ -n "${OUT:-}" ] && mkdir -p "$OUT" && cp "$work/$name.log" "$OUT/"
        fail=1
    fi
fi
exit "$fail"
