#!/usr/bin/env bash
# make-venv.sh — creates .venv/ with the Python packages sluice's oracle
# tests, Parquet interop tests and benchmark peers use: DuckDB, Polars, pyarrow,
# and matplotlib (with numpy) for bench/compare's chart.
# Never installs into the system Python. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
want=(duckdb polars pyarrow matplotlib)
missing=()
for p in "${want[@]}"; do
    .venv/bin/python -c "import $p" 2>/dev/null || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    .venv/bin/python -m pip install --quiet --disable-pip-version-check "${missing[@]}"
fi
echo "make-venv: .venv ready ($(.venv/bin/python -c 'import duckdb, polars, pyarrow, matplotlib; print("duckdb", duckdb.__version__, "polars", polars.__version__, "pyarrow", pyarrow.__version__, "matplotlib", matplotlib.__version__)'))"
