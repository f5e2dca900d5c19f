#!/usr/bin/env bash
# e2e_devices.sh — end-to-end tests of `sluice devices`: the CPU listed
# first, synthetic two- and four-node machines (HWLOC_SYNTHETIC) shown with
# the right counts in text and JSON, a machine without OpenCL platforms
# (OCL_ICD_VENDORS pointing nowhere) still listed with the reason, help, and
# usage errors.
# Usage: e2e_devices.sh SLUICE_BINARY SOURCE_DIR
set -u
SLUICE=$1
. "$(dirname "${BASH_SOURCE[0]}")/lib_e2e.sh"

TWO="pack:2 numa:1 core:4 pu:2"
FOUR="pack:2 numa:2 core:2 pu:1"

expect "cpu first" 0 '^  0  cpu ' -- "$SLUICE" devices
expect "topology line" 0 '^Topology \((hwloc|sysconf)\): ' -- "$SLUICE" devices
expect "two nodes text" 0 'Topology \(synthetic\): 2 packages, 2 NUMA nodes, 8 cores, 16 PUs' -- \
    env HWLOC_SYNTHETIC="$TWO" "$SLUICE" devices
expect "two nodes pus" 0 'node 1 \(os 1\): package 1, 4 cores, 8 PUs \[8-15\]' -- \
    env HWLOC_SYNTHETIC="$TWO" "$SLUICE" devices
expect "four nodes cpu" 0 '8 cores, 8 threads, 4 NUMA nodes' -- env HWLOC_SYNTHETIC="$FOUR" "$SLUICE" devices
expect "no opencl platform" 0 'OpenCL: no OpenCL platform' -- env OCL_ICD_VENDORS=/nonexistent "$SLUICE" devices
expect "help lists devices" 0 'sluice devices' -- "$SLUICE" --help
expect "help devices" 0 'Usage: sluice devices' -- "$SLUICE" help devices
expect "devices --help" 0 'Usage: sluice devices' -- "$SLUICE" devices --help
expect "bad format" 2 "unknown format 'xml'; formats: text, json" -- "$SLUICE" devices --format xml
expect "missing value" 2 'option --format needs a value' -- "$SLUICE" devices --format
expect "bad option" 2 "unknown option '--gpu'" -- "$SLUICE" devices --gpu

# JSON: parsed by Python when there is one, else matched as text.
json=$(env HWLOC_SYNTHETIC="$FOUR" OCL_ICD_VENDORS=/nonexistent "$SLUICE" devices --format json)
if command -v python3 >/dev/null; then
    if python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
t = d["topology"]
assert d["devices"][0]["kind"] == "cpu" and d["devices"][0]["numa_nodes"] == 4, d["devices"][0]
assert len(d["devices"]) == 1 and d["opencl_note"], d
assert t["source"] == "synthetic" and t["numa_nodes"] == 4 and t["packages"] == 2, t
assert [n["pus"] for n in t["nodes"]] == [[0, 1], [2, 3], [4, 5], [6, 7]], t["nodes"]
assert [n["package"] for n in t["nodes"]] == [0, 0, 1, 1], t["nodes"]
' <<<"$json"; then echo "ok   json four nodes"; passed=$((passed + 1)); else
        echo "FAIL json four nodes:"; echo "$json" | sed 's/^/     /'; failed=$((failed + 1)); fi
    if "$SLUICE" devices --format=json | python3 -c 'import json, sys; d = json.load(sys.stdin); assert d["devices"][0]["kind"] == "cpu"'; then
        echo "ok   json this machine"; passed=$((passed + 1)); else echo "FAIL json this machine"; failed=$((failed + 1)); fi
else
    expect "json four nodes" 0 '"numa_nodes": 4' -- env HWLOC_SYNTHETIC="$FOUR" "$SLUICE" devices --format json
fi

echo "e2e_devices: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
