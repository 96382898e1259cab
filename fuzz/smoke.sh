#!/usr/bin/env bash
# Fuzz smoke run for CI (about a minute of fuzzing in all): installs the
# nightly toolchain and cargo-fuzz when missing, builds every target, then
# fuzzes each for FUZZ_SECONDS (default 6) seconds starting from its
# committed seed corpus (fuzz/seeds/<target>). A crash, timeout or
# out-of-memory stops the run with a non-zero status (cargo fuzz prints the
# input and saves it under fuzz/artifacts/<target>/; keep it as a
# regression in fuzz/regressions/<target>/ once fixed).
#
# Usage: fuzz/smoke.sh [target...]     (default: every target)
set -euo pipefail
cd "$(dirname "$0")"

seconds="${FUZZ_SECONDS:-6}"

if ! rustup toolchain list | grep -q '^nightly'; then
  rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi

# Same flags as the long runs in README.md: release with debug assertions,
# no sanitizer (spelunk forbids unsafe code; see README.md).
flags=(--sanitizer none)

# The longest input each target is given (see README.md).
max_len() {
  case "$1" in
    evtx) echo 70000 ;;
    yaml_detection) echo 16384 ;;
    eval) echo 1024 ;;
    parse) echo 4096 ;;
    *) echo 8192 ;;
  esac
}

if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(cargo +nightly fuzz list)
fi

cargo +nightly fuzz build "${flags[@]}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for t in "${targets[@]}"; do
  mkdir -p "$work/$t"
  echo "fuzz smoke: $t for ${seconds}s" >&2
  # New inputs go to the scratch folder; the seeds are only read.
  if ! cargo +nightly fuzz run "${flags[@]}" "$t" "$work/$t" "seeds/$t" -- \
    -max_total_time="$seconds" -max_len="$(max_len "$t")" \
    -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 >"$work/$t.log" 2>&1; then
    tail -n 80 "$work/$t.log" >&2
    echo "fuzz smoke: target $t FAILED; the input is in fuzz/artifacts/$t/" >&2
    exit 1
  fi
  grep -E '^stat::number_of_executed_units' "$work/$t.log" >&2 || true
done
echo "fuzz smoke: ${#targets[@]} targets passed" >&2
