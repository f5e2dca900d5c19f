#!/usr/bin/env bash
# install-deps.sh — installs the Debian packages sluice needs to build and test.
# Idempotent: packages already present are left alone. As root it runs apt-get;
# otherwise it prints the exact command to run.
set -euo pipefail

PKGS=(cmake gcc g++ make pkg-config python3 python3-venv
      libhwloc-dev libsimde-dev
      ocl-icd-opencl-dev opencl-headers pocl-opencl-icd
      libbenchmark-dev libcmocka-dev
      libsnappy-dev libzstd-dev zlib1g-dev)

missing=()
for p in "${PKGS[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all build and test packages are present"
    exit 0
fi

cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages: ${missing[*]}" >&2
    echo "install-deps: run as root:  apt-get update && $cmd" >&2
    exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
$cmd
