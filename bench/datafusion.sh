#!/usr/bin/env bash
# The interpreter against the DataFusion backend and DuckDB (issue 20):
#   bench/datafusion.sh [RECORDS] [THREADS]   (default 250000 records, 2 threads)
# Builds spelunk with --features datafusion (release), creates bench/.venv
# with DuckDB from PyPI, generates RECORDS and 4x RECORDS of CloudTrail
# (bench/data/, once; 250,000 records are about 315 MB, so 4x is about
# 1.26 GB), writes each to Parquet with `spelunk parquet`, and runs
# bench/datafusion_query.spl (the seed's filter and grouping, without the
# add-on knowledge DuckDB cannot ask for) with each tool (best of 3). Not
# part of `cargo test`.
#   BALLISTA=1 bench/datafusion.sh ...   builds with --features ballista and
# also runs the Parquet files on `spelunk ballista` clusters of 1 and 2
# executors on this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
records="${1:-250000}"
threads="${2:-2}"
features=datafusion
ballista=()
if [ "${BALLISTA:-0}" = 1 ]; then
  features=ballista
  ballista=(--ballista)
fi
cargo build --release --quiet -p spelunk-cli --features "$features"
if [ ! -x bench/.venv/bin/python ]; then
  python3 -m venv bench/.venv
  bench/.venv/bin/pip install --quiet duckdb
fi
mkdir -p bench/data
files=()
for n in "$records" "$((records * 4))"; do
  data="bench/data/cloudtrail_${n}_1.ndjson"
  [ -s "$data" ] || python3 bench/gen_cloudtrail.py --records "$n" --seed 1 > "$data"
  cat "$data" > /dev/null
  files+=("$data")
done
bench/.venv/bin/python bench/datafusion.py --threads "$threads" "${ballista[@]}" --data "${files[@]}"
