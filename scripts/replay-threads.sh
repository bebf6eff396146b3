#!/usr/bin/env bash
# CPU seconds per replay thread (issue 7): which of the two threads limits `trendwatch replay`.
# Samples the release binary with `perf record` at 999 Hz and splits the samples by thread
# name: `trendwatch` is the writer (store, detect, alerts), `trendwatch-read` the reader
# (parse, classify).
#
#   scripts/replay-threads.sh [STREAM]   # default: the 2 M-post stream of scripts/bench-replay.sh
#
# Needs perf (`apt-get install linux-perf`) and a generated stream (run bench-replay.sh once).
set -euo pipefail

ROOT="$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"
STREAM="${1:-$ROOT/target/bench/wechat-2015-2000000.jsonl}"
command -v perf >/dev/null || { echo "replay-threads: perf is not installed" >&2; exit 2; }
[ -s "$STREAM" ] || { echo "replay-threads: no stream at $STREAM (run scripts/bench-replay.sh)" >&2; exit 2; }
cargo build --release --bin trendwatch --manifest-path "$ROOT/Cargo.toml" >&2
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
perf record -F 999 -o "$WORK/perf.data" -- \
    "$ROOT/target/release/trendwatch" replay --db "$WORK/replay.db" "$STREAM" >/dev/null 2>"$WORK/log"
grep -o 'seconds="[^"]*"' "$WORK/log" | sed 's/^/replay wall /'
perf report -i "$WORK/perf.data" --no-children -g none --sort comm --stdio -F overhead,sample,comm 2>/dev/null \
    | grep -v '^#' | grep -v '^$' \
    | awk '{printf "%-16s %s of samples, %.2f CPU-s\n", $3, $1, $2 / 999}'
