#!/usr/bin/env bash
# Bounded fuzz pass on the stable toolchain: seeds the corpora, builds every target with
# cargo-fuzz (no sanitizer: the SanitizerCoverage passes are stable `-C` flags), then runs each
# target for SECONDS, one at a time. Exits non-zero if any target crashes, hangs (a single input
# over TIMEOUT s) or exceeds RSS_MB of memory. Crashing inputs land in fuzz/artifacts/<target>/.
#
#   fuzz/run.sh [SECONDS] [TARGET...]     (default: 20 s each, all targets)
#
# The mutation seed is fixed (FUZZ_SEED, default 1) so a CI pass explores the same inputs first;
# set FUZZ_SEED=0 for a random seed when hunting.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-20}
shift || true
timeout_s=${FUZZ_TIMEOUT:-10}
rss_mb=${FUZZ_RSS_MB:-2048}
# Build outside the clone so a CI run on a machine that fuzzed before reuses the compiled
# dependencies (the workspace crates themselves are rebuilt: their paths differ per clone).
target_dir=${FUZZ_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/trendwatch/fuzz-target}
# Release build with debug assertions and overflow checks on.
flags=(--sanitizer none -O -a --target-dir "$target_dir")

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz"
    cargo install cargo-fuzz --locked --version 0.13.2
fi
./seed.sh
if [ $# -eq 0 ]; then
    set -- $(cargo fuzz list)
fi
echo "== building fuzz targets: $*"
cargo fuzz build "${flags[@]}"

failed=()
for target in "$@"; do
    echo "== fuzzing $target for ${seconds}s"
    log=$(mktemp)
    if cargo fuzz run "${flags[@]}" "$target" -- \
        -max_total_time="$seconds" -seed="${FUZZ_SEED:-1}" -timeout="$timeout_s" -rss_limit_mb="$rss_mb" \
        -malloc_limit_mb="$rss_mb" -print_final_stats=1 >"$log" 2>&1; then
        grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb|new_units_added)' "$log" |
            sed "s/^/   $target /" || true
    else
        echo "!! $target FAILED; last lines of its log:"
        tail -40 "$log"
        failed+=("$target")
    fi
    rm -f "$log"
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz targets failed: ${failed[*]} (inputs in fuzz/artifacts/)"
    exit 1
fi
echo "== fuzz pass OK"
