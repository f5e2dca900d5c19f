# lib_e2e.sh — what the end-to-end scripts (e2e_*.sh) share, sourced after
# they set -u: the pass/fail counters, `expect` and `skip_without_opencl`.
passed=0
failed=0

# expect NAME STATUS PATTERN -- command...: runs the command, checks its exit
# status and that stdout+stderr match the extended regex PATTERN.
expect() {
    local name=$1 status=$2 pattern=$3
    shift 4
    local out rc
    out=$("$@" 2>&1)
    rc=$?
    if [ "$rc" -ne "$status" ]; then
        echo "FAIL $name: exit status $rc, wanted $status"
        echo "$out" | sed 's/^/     /'
        failed=$((failed + 1))
    elif ! grep -Eq -- "$pattern" <<<"$out"; then
        echo "FAIL $name: output does not match /$pattern/"
        echo "$out" | sed 's/^/     /'
        failed=$((failed + 1))
    else
        echo "ok   $name"
        passed=$((passed + 1))
    fi
}

# skip_without_opencl NAME: exits 77 (ctest's "skipped") when $SLUICE lists
# no OpenCL device.
skip_without_opencl() {
    if ! "$SLUICE" devices --format json | grep -q '"kind": "opencl"'; then
        echo "SKIP $1: no OpenCL device"
        exit 77
    fi
}
