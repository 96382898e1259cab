#!/usr/bin/env bash
# Benchmarks reading Windows XML events (XmlWinEventLog) through the bundled
# Windows knowledge against a straightforward Python extraction of the same
# fields (bench/xml_baseline.py: lxml, and Python's re):
#   bench/xml.sh [RECORDS] [SEED]      (default 100000 records, seed 1)
# Builds spelunk (release), installs lxml into bench/.venv, generates
# bench/data/xml_*.xml once (bench/gen_xml.py), checks that all three give
# the same counts, then times each (best of 3, whole process) and prints a
# Markdown table in MB/s. Not part of `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."
records="${1:-100000}"
seed="${2:-1}"
cargo build --release --quiet
if [ ! -x bench/.venv/bin/python ]; then
  python3 -m venv bench/.venv
fi
bench/.venv/bin/python -c 'import lxml' 2>/dev/null || bench/.venv/bin/pip install --quiet lxml
mkdir -p bench/data
data="bench/data/xml_${records}_${seed}.xml"
[ -s "$data" ] || python3 bench/gen_xml.py --records "$records" --seed "$seed" > "$data"
cat "$data" > /dev/null
query='* | stats count by EventCode Computer'
spelunk=(./target/release/spelunk run "$query" -e "$data" -o csv)
# The same answer from each: the count table, rows in one order.
expected="$("${spelunk[@]}" | sort)"
for extractor in lxml regex; do
  got="$(bench/.venv/bin/python bench/xml_baseline.py --extractor "$extractor" "$data" 2>/dev/null | sort)"
  if [ "$got" != "$expected" ]; then
    echo "bench/xml.sh: python ($extractor) and spelunk disagree" >&2
    diff <(echo "$expected") <(echo "$got") >&2 || true
    exit 1
  fi
done
best_of_3() {
  local best=""
  for _ in 1 2 3; do
    local start end took
    start=$(date +%s.%N)
    "$@" > /dev/null 2>&1
    end=$(date +%s.%N)
    took=$(echo "$end - $start" | bc -l)
    if [ -z "$best" ] || [ "$(echo "$took < $best" | bc -l)" = 1 ]; then best=$took; fi
  done
  echo "$best"
}
bytes=$(stat -c %s "$data")
mb=$(echo "$bytes / 1000000" | bc -l)
printf '%s events, %.1f MB, query `%s`\n\n' "$records" "$mb" "$query"
echo '| tool | seconds (best of 3) | MB/s | vs spelunk |'
echo '| --- | ---: | ---: | ---: |'
ours=$(best_of_3 "${spelunk[@]}")
for tool in spelunk lxml regex; do
  case "$tool" in
    spelunk) took=$ours ;;
    *) took=$(best_of_3 bench/.venv/bin/python bench/xml_baseline.py --extractor "$tool" "$data") ;;
  esac
  printf '| %s | %.3f | %.1f | %.1fx |\n' "$tool" "$took" "$(echo "$mb / $took" | bc -l)" \
    "$(echo "$took / $ours" | bc -l)"
done
