#!/usr/bin/env bash
# gpu-bundle.sh — builds what bench/gpu/check.sh needs on a machine that has
# no network and none of our Debian packages: a Release build of `sluice` and
# of the OpenCL test binaries (tests/test_ocl*), of the micro benchmarks
# (bench/, when Google Benchmark is installed here), plus every shared library
# they link other than glibc's own, so that they run on a newer glibc.
#
# Usage: scripts/gpu-bundle.sh [DIR]      (default bench/gpu/bundle, git-ignored)
#   DIR/bin/       sluice, test_ocl* and sluice_bench_micro (if built)
#   DIR/lib/       the shared libraries they link, under their sonames
#   DIR/MANIFEST   commit, date, build machine, and every file with its size
# Environment: BUNDLE_BUILD_DIR (default build/gpu-bundle), JOBS (default nproc),
#   BUNDLE_NO_BUILD=1 packages what BUNDLE_BUILD_DIR already holds (any build
#   type) without configuring or building.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
dir=${1:-bench/gpu/bundle}
build=${BUNDLE_BUILD_DIR:-build/gpu-bundle}
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}

command -v cmake >/dev/null || { echo "gpu-bundle: cmake is needed" >&2; exit 1; }

# Tests stay on: the OpenCL test binaries travel with the bundle. The micro
# benchmarks come along when Google Benchmark is installed (bench/ needs it).
micro=0
if [ "${BUNDLE_NO_BUILD:-0}" != 1 ]; then
    if cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DSLUICE_BUILD_TESTS=ON -DSLUICE_BUILD_BENCH=ON \
        >/dev/null 2>&1; then
        micro=1
    else
        echo "gpu-bundle: no Google Benchmark here; the bundle leaves out the micro benchmarks"
        cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DSLUICE_BUILD_TESTS=ON -DSLUICE_BUILD_BENCH=OFF >/dev/null
    fi
elif [ -x "$build/bench/sluice_bench_micro" ]; then
    micro=1
fi
# The OpenCL tests are whatever tests/test_ocl*.c exists now.
targets=(sluice)
[ "$micro" = 1 ] && targets+=(sluice_bench_micro)
shopt -s nullglob
for src in tests/test_ocl*.c; do
    targets+=("$(basename "$src" .c)")
done
shopt -u nullglob
if [ "${BUNDLE_NO_BUILD:-0}" != 1 ]; then
    echo "gpu-bundle: building ${targets[*]} in $build"
    cmake --build "$build" -j "$jobs" --target "${targets[@]}"
fi

rm -rf "$dir.tmp"
mkdir -p "$dir.tmp/bin" "$dir.tmp/lib"
for t in "${targets[@]}"; do
    # sluice sits at the top of the build tree, the tests under tests/, the
    # micro benchmarks under bench/.
    bin=$(find "$build" -maxdepth 2 -type f -name "$t" -perm -u+x | head -n 1)
    [ -n "$bin" ] || { echo "gpu-bundle: $t was not built" >&2; exit 1; }
    cp "$bin" "$dir.tmp/bin/$t"
    strip --strip-debug "$dir.tmp/bin/$t" 2>/dev/null || true
done

# Every library the binaries load, except glibc's (the target's glibc is newer
# and must be the one used) and the kernel's vDSO.
is_glibc() {
    case $1 in
        linux-vdso.so.* | ld-linux*.so.* | libc.so.* | libm.so.* | libpthread.so.* | libdl.so.* | \
            librt.so.* | libresolv.so.* | libmvec.so.*) return 0 ;;
    esac
    return 1
}
for b in "$dir.tmp"/bin/*; do
    ldd "$b" | while read -r name arrow path _; do
        [ "$arrow" = "=>" ] || continue
        is_glibc "$name" && continue
        if [ "$path" = "not" ]; then
            echo "gpu-bundle: $(basename "$b") needs $name, which is not found" >&2
            exit 1
        fi
        [ -e "$dir.tmp/lib/$name" ] || cp -L "$path" "$dir.tmp/lib/$name"
    done
done
strip --strip-unneeded "$dir.tmp"/lib/* 2>/dev/null || true

commit=$(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null | head -n 1)
{
    echo "commit: $commit${dirty:+ (with uncommitted changes)}"
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "built on: $(uname -srm), glibc $(ldd --version | head -n 1 | awk '{print $NF}')"
    echo "source dir: $root"
    echo "files:"
    (cd "$dir.tmp" && find bin lib -type f | sort | while read -r f; do
        echo "  $f $(stat -c %s "$f")"
    done)
} >"$dir.tmp/MANIFEST"

rm -rf "$dir"
mv "$dir.tmp" "$dir"
size=$(du -sm "$dir" | cut -f1)
echo "gpu-bundle: $dir ($size MB): $(ls "$dir/bin" | tr '\n' ' ')"
if [ "$size" -ge 50 ]; then
    echo "gpu-bundle: warning: the bundle is $size MB, more than 50 MB" >&2
fi
