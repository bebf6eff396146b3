#!/usr/bin/env bash
# Query benchmark (issue 7): builds a database holding 30 days of minute buckets for 10,000
# topics (crates/storage/examples/query_db.rs: synthesised with SQL into the real schema), then
# times `trendwatch top`, `spikes` and `series` (release build; median of RUNS runs each,
# wall time of the whole command including process start and opening the database).
#
#   scripts/bench-queries.sh            # build the DB once (cached in target/bench), time
#   REBUILD=1 RUNS=9 scripts/bench-queries.sh
#
# Target: each query under 100 ms.
set -euo pipefail

ROOT="$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"
RUNS="${RUNS:-7}"
WORKDIR="${WORKDIR:-$ROOT/target/bench}"
DB="$WORKDIR/queries-30d-10k.db"
mkdir -p "$WORKDIR"

cargo build --release --bin trendwatch --manifest-path "$ROOT/Cargo.toml" >&2
cargo build --release -p trendwatch-storage --example query_db --manifest-path "$ROOT/Cargo.toml" >&2
BIN="$ROOT/target/release/trendwatch"
# A database of an older schema cannot be opened read-only: build it again.
if [ -s "$DB" ] && ! "$BIN" top --db "$DB" >/dev/null 2>&1; then
    REBUILD=1
fi
if [ ! -s "$DB" ] || [ -n "${REBUILD:-}" ]; then
    echo "bench-queries: building $DB" >&2
    "$ROOT/target/release/examples/query_db" "$DB"
fi
echo "database: $DB ($(($(stat -c %s "$DB") / 1000000)) MB)"

median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
now() { date +%s%N; }

time_query() {
    local label="$1"
    shift
    "$BIN" "$@" >/dev/null 2>&1 || { echo "bench-queries: $label failed: $*" >&2; "$BIN" "$@" >/dev/null; }
    local ms=()
    for _ in $(seq 1 "$RUNS"); do
        local start end
        start=$(now)
        "$BIN" "$@" >/dev/null 2>&1
        end=$(now)
        ms+=("$(( (end - start) / 1000 ))")
    done
    local med
    med=$(printf '%s\n' "${ms[@]}" | median)
    printf '%-44s median %7.1f ms  (min %.1f, max %.1f; %d runs)\n' "$label" \
        "$(echo "$med" | awk '{print $1/1000}')" \
        "$(printf '%s\n' "${ms[@]}" | sort -g | head -1 | awk '{print $1/1000}')" \
        "$(printf '%s\n' "${ms[@]}" | sort -g | tail -1 | awk '{print $1/1000}')" "$RUNS"
}

time_query "top (latest, 2h window, 20 topics)" top --db "$DB"
time_query "top (24h window, 50 topics)" top --db "$DB" --window 24h --limit 50
time_query "spikes (all)" spikes --db "$DB"
time_query "spikes --topic 'topic 37'" spikes --db "$DB" --topic "topic 37"
time_query "series 'topic 1' (30 days, 1-minute buckets)" series --db "$DB" --topic "topic 1" --bucket 1m
time_query "series 'topic 1' (30 days, default buckets)" series --db "$DB" --topic "topic 1"
time_query "series 'topic 1' (30 days, 1-hour buckets)" series --db "$DB" --topic "topic 1" --bucket 1h
time_query "series 'topic 5000' (30 days, default)" series --db "$DB" --topic "topic 5000"
