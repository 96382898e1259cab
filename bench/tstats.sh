#!/usr/bin/env bash
# Benchmarks a data model search against the raw search that gives the same
# rows, over Windows XML events (Sysmon 1, 3, 10 and Security 4624, 4688 from
# bench/gen_xml.py, read through the bundled Windows, Sysmon and CIM
# knowledge):
#
#   tstats: | tstats count from datamodel=Endpoint.Processes by Processes.process_name
#   raw:    tag=process tag=report | stats count by process_name
#
# The raw search is Endpoint.Processes' own constraint (`tag=process
# tag=report`) with the same grouping, so both answer the same question; the
# script checks that they give the same rows.
#
#   bench/tstats.sh [RECORDS] [SEED] [PAIRS]   (default 660000 records,
#                                               about 1.05 GB; seed 1; 5 pairs)
#
# Builds spelunk (release), generates bench/data/xml_<RECORDS>_<SEED>.xml
# once, then runs the two searches in turn PAIRS times (after one warm-up of
# each) and prints each run's wall seconds, the medians, MB/s and the
# median of the pairwise ratios tstats / raw. Not part of `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."
records="${1:-660000}"
seed="${2:-1}"
pairs="${3:-5}"
cargo build --release --quiet -p spelunk-cli
mkdir -p bench/data
data="bench/data/xml_${records}_${seed}.xml"
[ -s "$data" ] || python3 bench/gen_xml.py --records "$records" --seed "$seed" > "$data"
tstats_query='| tstats count from datamodel=Endpoint.Processes by Processes.process_name'
raw_query='tag=process tag=report | stats count by process_name'
spelunk=./target/release/spelunk

# The same rows from each (the header names differ: Processes.process_name).
tstats_rows="$("$spelunk" run "$tstats_query" -e "$data" -o csv | tail -n +2)"
raw_rows="$("$spelunk" run "$raw_query" -e "$data" -o csv | tail -n +2)"
if [ "$tstats_rows" != "$raw_rows" ] || [ -z "$raw_rows" ]; then
  echo "bench/tstats.sh: tstats and the raw search disagree" >&2
  diff <(echo "$tstats_rows") <(echo "$raw_rows") >&2 || true
  exit 1
fi

wall() {
  local start end
  start=$(date +%s.%N)
  "$spelunk" run "$1" -e "$data" -o csv > /dev/null
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l
}
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

wall "$tstats_query" > /dev/null
wall "$raw_query" > /dev/null
tstats_times=()
raw_times=()
ratios=()
for _ in $(seq "$pairs"); do
  t=$(wall "$tstats_query")
  r=$(wall "$raw_query")
  tstats_times+=("$t")
  raw_times+=("$r")
  ratios+=("$(echo "$t / $r" | bc -l)")
done
bytes=$(stat -c %s "$data")
mb=$(echo "$bytes / 1000000" | bc -l)
t_med=$(printf '%s\n' "${tstats_times[@]}" | median)
r_med=$(printf '%s\n' "${raw_times[@]}" | median)
ratio_med=$(printf '%s\n' "${ratios[@]}" | median)
printf '%s events, %.1f MB, %s pairs, %s core(s)\n\n' "$records" "$mb" "$pairs" "$(nproc)"
echo '| search | wall s (median) | MB/s | runs |'
echo '| --- | ---: | ---: | --- |'
printf '| `%s` | %.2f | %.0f | %s |\n' "${tstats_query//|/\\|}" "$t_med" "$(echo "$mb / $t_med" | bc -l)" \
  "$(printf '%.2f ' "${tstats_times[@]}")"
printf '| `%s` | %.2f | %.0f | %s |\n' "${raw_query//|/\\|}" "$r_med" "$(echo "$mb / $r_med" | bc -l)" \
  "$(printf '%.2f ' "${raw_times[@]}")"
printf '\ntstats / raw, median of the pairs: %.3f (pairs: %s)\n' "$ratio_med" \
  "$(printf '%.3f ' "${ratios[@]}")"
