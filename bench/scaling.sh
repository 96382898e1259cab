#!/usr/bin/env bash
# Shows that the algorithmic fixes of issue 17 scale linearly: each search
# runs at 1x, 10x and 100x input and the table gives the seconds (and the
# ratio to 1x). Linear work gives ratios near 10 and 100; the quadratic
# versions gave about 100 and 10,000.
#   bench/scaling.sh [BIN] [BASE]   (default target/release/spelunk, base 1)
# BASE multiplies every size (e.g. 0.1 for a quick look). Each run is cut at
# TIMEOUT seconds (default 300) and shown as ">TIMEOUT". KINDS picks the
# searches (default all: mvexpand lookup cidr wildcard table streamstats).
# Data is generated with python3 into a temporary folder. Not part of
# `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-target/release/spelunk}"
base="${2:-1}"
timeout_s="${TIMEOUT:-300}"
[ -x "$bin" ] || cargo build --release --quiet
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT

# gen KIND SCALE: writes $dir/KIND-SCALE/{events.ndjson,lookups/}.
gen() {
  python3 - "$1" "$2" "$dir/$1-$2" <<'PY'
import json, os, sys
kind, scale, out = sys.argv[1], float(sys.argv[2]), sys.argv[3]
os.makedirs(out + "/lookups", exist_ok=True)
ev = open(out + "/events.ndjson", "w")
def event(i, **kw):
    d = {"timestamp": "2024-01-01T00:00:%02dZ" % (i % 60), "id": i}
    d.update(kw)
    ev.write(json.dumps(d) + "\n")
if kind == "mvexpand":
    # One event whose multivalue has 2,000 x scale values.
    event(0, vals=["v%d" % i for i in range(int(2000 * scale))])
elif kind == "lookup":
    # 10,000 x scale rows, 1,000 x scale events (a third match nothing).
    rows = int(10000 * scale)
    with open(out + "/lookups/users.csv", "w") as f:
        f.write("uid,name\n")
        for i in range(rows):
            f.write("u%d,name%d\n" % (i, i))
    open(out + "/lookups/transforms.conf", "w").write(
        "[users]\nfilename = users.csv\ncase_sensitive_match = false\n")
    for i in range(int(1000 * scale)):
        event(i, user=("U%d" % (i * 7 % rows)) if i % 3 else "nobody")
elif kind == "cidr":
    # 1,000 x scale networks (/24 and /16), 1,000 x scale events.
    n = int(1000 * scale)
    with open(out + "/lookups/nets.csv", "w") as f:
        f.write("net,zone\n")
        for i in range(n):
            if i % 2:
                f.write("10.%d.%d.0/24,z%d\n" % (i // 256 % 256, i % 256, i))
            else:
                f.write("172.%d.0.0/16,z%d\n" % (i % 256, i))
    open(out + "/lookups/transforms.conf", "w").write(
        "[nets]\nfilename = nets.csv\nmatch_type = CIDR(net)\n")
    for i in range(n):
        event(i, ip="10.%d.%d.%d" % (i // 256 % 256, i % 256, i % 250))
elif kind == "wildcard":
    # 1,000 x scale globs (prefix, suffix and infix literals, a third
    # each) and 1,000 x scale events (a quarter match nothing).
    n = int(1000 * scale)
    with open(out + "/lookups/pats.csv", "w") as f:
        f.write("server,role\n")
        for i in range(n):
            glob = ("web%d-*", "*.d%d.example.com", "*-svc%d-*")[i % 3] % i
            f.write("%s,r%d\n" % (glob, i))
    open(out + "/lookups/transforms.conf", "w").write(
        "[pats]\nfilename = pats.csv\nmatch_type = WILDCARD(server)\n")
    for i in range(n):
        j = i * 7 % n
        name = ("web%d-node" % j, "x.d%d.example.com" % j,
                "app-svc%d-prod" % j, "nomatch%d" % i)[i % 4]
        event(i, server=name)
elif kind == "table":
    # One event with 10,000 x scale keys.
    event(0, **{"k%d" % i: i for i in range(int(10000 * scale))})
elif kind == "streamstats":
    # 10,000 x scale events, 500 distinct users.
    for i in range(int(10000 * scale)):
        event(i, user="u%d" % (i * 7919 % 500))
PY
}

declare -A query=(
  [mvexpand]='* | mvexpand vals{} | stats count'
  [lookup]='* | lookup users uid AS user OUTPUT name | stats count(name)'
  [cidr]='* | lookup nets net AS ip OUTPUT zone | stats count(zone)'
  [wildcard]='* | lookup pats server OUTPUT role | stats count(role)'
  [table]='* | table *'
  [streamstats]='* | streamstats window=1000 dc(user) as d | stats max(d)'
)

# run KIND SCALE: prints the seconds, or ">TIMEOUT".
run() {
  local d="$dir/$1-$2"
  local start end
  start=$(date +%s.%N)
  if ! timeout "$timeout_s" "$bin" run -o json -e "$d/events.ndjson" -l "$d/lookups" \
      "${query[$1]}" > "$d/out.json" 2>"$d/err.txt"; then
    echo ">$timeout_s"
    return
  fi
  end=$(date +%s.%N)
  echo "$start $end" | awk '{printf "%.2f", $2 - $1}'
}

printf '| %-12s | %8s | %8s | %8s | %7s | %7s |\n' search 1x 10x 100x "10x/1x" "100x/1x"
printf '|%s|%s|%s|%s|%s|%s|\n' -------------- ---------- ---------- ---------- --------- ---------
for kind in ${KINDS:-mvexpand lookup cidr wildcard table streamstats}; do
  times=()
  for s in 1 10 100; do
    scale=$(awk -v a="$s" -v b="$base" 'BEGIN { print a * b }')
    gen "$kind" "$scale"
    times+=("$(run "$kind" "$scale")")
  done
  ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a ~ />/ || b ~ />/ || b == 0) print "-"; else printf "%.0f", a / (b < 0.01 ? 0.01 : b) }'; }
  printf '| %-12s | %8s | %8s | %8s | %7s | %7s |\n' "$kind" "${times[0]}" "${times[1]}" "${times[2]}" \
    "$(ratio "${times[1]}" "${times[0]}")" "$(ratio "${times[2]}" "${times[0]}")"
done
