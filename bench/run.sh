#!/usr/bin/env bash
# Benchmarks spelunk against DuckDB and jq on generated CloudTrail:
#   bench/run.sh [RECORDS] [SEED]      (default 1000000 records, seed 1)
# Builds spelunk (release), creates bench/.venv with DuckDB from PyPI,
# generates bench/data/*.ndjson once, runs each query (best of 3; jq once),
# checks the tools agree and prints a Markdown table. NO_JQ=1 skips jq.
# Not part of `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."
records="${1:-1000000}"
seed="${2:-1}"
cargo build --release --quiet
if [ ! -x bench/.venv/bin/python ]; then
  python3 -m venv bench/.venv
  bench/.venv/bin/pip install --quiet duckdb
fi
mkdir -p bench/data
data="bench/data/cloudtrail_${records}_${seed}.ndjson"
small="bench/data/cloudtrail_10000_${seed}.ndjson"
[ -s "$data" ] || python3 bench/gen_cloudtrail.py --records "$records" --seed "$seed" > "$data"
[ -s "$small" ] || python3 bench/gen_cloudtrail.py --records 10000 --seed "$seed" > "$small"
# Warm the page cache so every tool reads from memory.
cat "$data" "$small" > /dev/null
extra=()
[ "${NO_JQ:-0}" = 1 ] && extra+=(--no-jq)
bench/.venv/bin/python bench/bench.py --data "$data" --small "$small" "${extra[@]}"
