#!/usr/bin/env bash
# Replays SigmaHQ's Windows process_creation rules, converted by Sigma's own
# tool into `| tstats ... from datamodel=Endpoint.Processes` searches, on
# their own regression .evtx events (SigmaHQ/sigma regression_data/).
#
#   scripts/sigma_replay.sh WORKDIR [SPELUNK]
#
# WORKDIR (created; nothing is written elsewhere) gets a bare clone of
# SigmaHQ/sigma at $SIGMA_COMMIT, a Python venv with sigma-cli and the
# pySigma Splunk backend at pinned versions, and one folder per rule:
# rule.yml, info.yml (its expected match_count), the .evtx, search.spl (the
# conversion), spelunk.json/.err (the run). Set SIGMA_GIT to an existing
# clone (bare or not) of SigmaHQ/sigma to skip the clone.
#
# Prints one line per rule (FIRED, NOT_FIRED, ERROR, or CONVERT_FAILED:
# the backend's data model output supports 13 fields only) and a summary.
# Exits 1 when a converted rule errors in spelunk. Needs git, python3 and
# the network (unless SIGMA_GIT is set and the venv exists).
set -euo pipefail
if [ $# -lt 1 ]; then
  sed -n '2,18p' "$0" >&2
  exit 2
fi
work=$1
spelunk=${2:-$(cd "$(dirname "$0")/.." && pwd)/target/release/spelunk}
SIGMA_COMMIT=${SIGMA_COMMIT:-8eaafff1f2845a696050e05e72ba1140ee190698}
mkdir -p "$work"
work=$(cd "$work" && pwd)

git_dir=${SIGMA_GIT:-$work/sigma.git}
if [ -z "${SIGMA_GIT:-}" ] && [ ! -d "$git_dir" ]; then
  git init -q --bare "$git_dir"
  git --git-dir="$git_dir" fetch -q --depth 1 https://github.com/SigmaHQ/sigma "$SIGMA_COMMIT"
fi
[ -d "$git_dir/.git" ] && git_dir=$git_dir/.git
rev=$SIGMA_COMMIT
git --git-dir="$git_dir" cat-file -e "$rev^{commit}" 2>/dev/null || rev=HEAD

if [ ! -x "$work/venv/bin/sigma" ]; then
  python3 -m venv "$work/venv"
  "$work/venv/bin/pip" install --quiet sigma-cli==3.1.0 pySigma==1.5.1 pySigma-backend-splunk==2.1.0
fi

# Each regression folder's info.yml names its rule by id; the rule is found
# by that id (two folders carry a rule's older file name).
tree=$(git --git-dir="$git_dir" ls-tree -r --name-only "$rev")
rules=$work/rules
mkdir -p "$rules"
fired=0 not_fired=0 errors=0 unconverted=0
while read -r info; do
  dir=$(dirname "$info")
  name=$(basename "$dir")
  out=$rules/$name
  mkdir -p "$out"
  git --git-dir="$git_dir" show "$rev:$info" > "$out/info.yml"
  id=$(grep -A1 rule_metadata "$out/info.yml" | awk '/id:/ {print $NF}')
  rule=$(git --git-dir="$git_dir" grep -l "^id: $id" "$rev" -- rules rules-emerging-threats rules-threat-hunting |
    sed "s/^$rev://" | head -1)
  [ -n "$rule" ] || { echo "NO_RULE - - $name"; continue; }
  git --git-dir="$git_dir" show "$rev:$rule" > "$out/rule.yml"
  evtx=()
  while read -r file; do
    git --git-dir="$git_dir" show "$rev:$file" > "$out/$(basename "$file")"
    evtx+=(-e "$out/$(basename "$file")")
  done < <(grep "^$dir/.*\.evtx$" <<< "$tree")
  expected=$(awk '/match_count:/ {print $2; exit}' "$out/info.yml")
  if ! "$work/venv/bin/sigma" convert -t splunk -p splunk_cim -f data_model "$out/rule.yml" \
    2> "$out/convert.err" | grep -v '^Parsing Sigma rules' | sed '/^$/d' > "$out/search.spl"; then
    echo "CONVERT_FAILED - ${expected:--} $name"
    unconverted=$((unconverted + 1))
    continue
  fi
  if ! timeout 60 "$spelunk" run -q -o json "$(cat "$out/search.spl")" "${evtx[@]}" \
    > "$out/spelunk.json" 2> "$out/spelunk.err"; then
    echo "ERROR - ${expected:--} $name"
    errors=$((errors + 1))
    continue
  fi
  rows=$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))))' "$out/spelunk.json")
  if [ "$rows" -gt 0 ]; then
    echo "FIRED $rows ${expected:--} $name"
    fired=$((fired + 1))
  else
    echo "NOT_FIRED 0 ${expected:--} $name"
    not_fired=$((not_fired + 1))
  fi
done < <(grep -E '^regression_data/.*(process_creation|/proc_creation_).*/info\.yml$' <<< "$tree")
echo "fired=$fired not_fired=$not_fired errors=$errors convert_failed=$unconverted"
[ "$errors" -eq 0 ]
