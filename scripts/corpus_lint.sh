#!/usr/bin/env bash
# Lints every security_content detection with the corpus's own macros and
# lookups and prints the issue-3 measures: raw-event detections that lint
# clean, those whose only problem is a lookup the corpus cannot ship (or does
# not define at all: add-on lookups), and how
# many of all detections parse; then the issue-16 measures over all
# detections: clean, only what cannot be shipped (lookups, Splunk apps'
# commands and models), the rest by kind, and the notices.
# Usage: scripts/corpus_lint.sh [CORPUS_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
corpus="${1:-../shared/corpus/security_content}"
cargo build --release --quiet
report=$(mktemp)
trap 'rm -f "$report"' EXIT
./target/release/spelunk lint "$corpus/detections" -m "$corpus/macros" -l "$corpus/lookups" -o json >"$report" || true
python3 - "$report" <<'PY'
import json, sys, collections
data = json.load(open(sys.argv[1]))
dets = data["detections"]
raw = [d for d in dets if not d["data_model"]]
clean = [d for d in raw if not d["problems"]]
unshipped = [d for d in raw if d["problems"] and all(p["kind"] == "lookup-not-shipped" for p in d["problems"])]
parse = sum(1 for d in dets if d["parses"])
print(f"raw-event detections: {len(raw)}")
print(f"  lint clean:                  {len(clean)}")
print(f"  only lookups not shipped:    {len(unshipped)}")
for d in unshipped:
    names = sorted({p["message"].split("`")[1] for p in d["problems"]})
    print(f"    {d['file'].split('/')[-1]}: {', '.join(names)}")
undefined = [d for d in raw if d["problems"] and d not in unshipped
             and all(p["kind"] in ("lookup-not-shipped", "undefined-lookup") for p in d["problems"])]
print(f"  only lookups not defined:    {len(undefined)}")
for d in undefined:
    names = sorted({p["message"].split("`")[1] for p in d["problems"]})
    print(f"    {d['file'].split('/')[-1]}: {', '.join(names)}")
print(f"  with other problems:         {len(raw) - len(clean) - len(unshipped) - len(undefined)}")
print(f"all detections: {len(dets)}, parse: {parse}, data-model: {len(dets) - len(raw)}")
kinds = collections.Counter(p["kind"] for d in raw for p in d["problems"])
cmds = collections.Counter(p["command"] for d in raw for p in d["problems"] if p["kind"] != "lookup-not-shipped" and p["command"])
print("raw-event problems by kind:", dict(kinds.most_common()))
print("raw-event problems by command:", dict(cmds.most_common()))
not_shipped = {"lookup-not-shipped", "mltk-model", "command-not-shipped"}
all_clean = [d for d in dets if not d["problems"]]
all_lookups = [d for d in dets if d["problems"] and all(p["kind"] == "lookup-not-shipped" for p in d["problems"])]
all_unshipped = [d for d in dets if d["problems"] and all(p["kind"] in not_shipped for p in d["problems"])]
all_undefined = [d for d in dets if d["problems"] and d not in all_unshipped
                 and all(p["kind"] in not_shipped | {"undefined-lookup"} for p in d["problems"])]
rest = [d for d in dets if d["problems"] and d not in all_unshipped and d not in all_undefined]
print(f"all detections (issue 16): {len(dets)}")
print(f"  lint clean:                          {len(all_clean)}")
print(f"  only lookups not shipped:            {len(all_lookups)}")
print(f"  only lookups or app commands/models: {len(all_unshipped)}")
print(f"  those plus lookups not defined:      {len(all_undefined)}")
print(f"  with other problems:                 {len(rest)}")
for d in rest:
    other = sorted({p["kind"] + ": " + p["message"][:90] for p in d["problems"] if p["kind"] not in not_shipped | {"undefined-lookup"}})
    print(f"    {d['file'].split('/')[-1]}: {'; '.join(other)}")
print(f"  notices (not problems): {data['summary'].get('notices', 0)} {data['summary'].get('notices_by_kind', {})}")
PY
