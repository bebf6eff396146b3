#!/usr/bin/env bash
# End-to-end replay benchmark (issue 7): generate N posts, replay them into a fresh SQLite file
# with the release binary K times, print posts/s and peak RSS of each run and the medians; then
# run the DuckDB comparison on the same file and print the ratio.
#
#   scripts/bench-replay.sh                      # 2 M posts, 3 runs, with DuckDB
#   scripts/bench-replay.sh --posts 10000000 --runs 1 --no-duckdb   # the 10 M memory check
#   POSTS=500000 RUNS=5 scripts/bench-replay.sh  # same knobs as environment variables
#
# Options (or environment variables):
#   --posts N       distinct posts to generate (POSTS, default 2000000)
#   --runs K        replays; the median is reported (RUNS, default 3)
#   --scenario S    wechat-2015 (default: an outage day) or background (SCENARIO)
#   --no-duckdb     skip the DuckDB comparison (DUCKDB=0)
#   --workdir D     where the stream, databases and DuckDB venv live (WORKDIR, default
#                   target/bench; the generated stream is cached there by scenario and N)
#   --batch-size B  posts per transaction passed to `trendwatch replay` (BATCH, default: its own)
#
# Needs: cargo, GNU time (`apt-get install time`, done here if missing and running as root),
# python3 with venv/pip for DuckDB (installed into WORKDIR/venv; a dev-only tool, not a
# dependency of trendwatch). DuckDB runs on both cores (threads=2), like trendwatch.
set -euo pipefail

ROOT="$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"
POSTS="${POSTS:-2000000}"
RUNS="${RUNS:-3}"
SCENARIO="${SCENARIO:-wechat-2015}"
DUCKDB="${DUCKDB:-1}"
WORKDIR="${WORKDIR:-$ROOT/target/bench}"
BATCH="${BATCH:-}"
while [ $# -gt 0 ]; do
    case "$1" in
        --posts) POSTS="$2"; shift 2 ;;
        --runs) RUNS="$2"; shift 2 ;;
        --scenario) SCENARIO="$2"; shift 2 ;;
        --no-duckdb) DUCKDB=0; shift ;;
        --workdir) WORKDIR="$2"; shift 2 ;;
        --batch-size) BATCH="$2"; shift 2 ;;
        -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
        *) echo "bench-replay: unknown option $1" >&2; exit 2 ;;
    esac
done

if [ ! -x /usr/bin/time ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "bench-replay: installing GNU time" >&2
        (apt-get install -y -qq time >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq time; }) >&2
    else
        echo "bench-replay: needs GNU time at /usr/bin/time (apt-get install time)" >&2
        exit 2
    fi
fi

cargo build --release --bin trendwatch --manifest-path "$ROOT/Cargo.toml" >&2
BIN="$ROOT/target/release/trendwatch"
mkdir -p "$WORKDIR"
STREAM="$WORKDIR/$SCENARIO-$POSTS.jsonl"
if [ ! -s "$STREAM" ]; then
    echo "bench-replay: generating $POSTS posts ($SCENARIO) into $STREAM" >&2
    "$BIN" generate --scenario "$SCENARIO" --posts "$POSTS" -o "$STREAM.part" 2>/dev/null
    mv "$STREAM.part" "$STREAM"
fi
LINES=$(wc -l <"$STREAM")
BYTES=$(stat -L -c %s "$STREAM")
echo "stream: $STREAM ($LINES lines, $((BYTES / 1000000)) MB, $POSTS distinct posts)"
echo "machine: $(nproc) cores, $(uname -r); binary: $BIN"

median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
now() { date +%s.%N; }

DB="$WORKDIR/bench.db"
SECS=()
CPUS=()
RSS=()
for run in $(seq 1 "$RUNS"); do
    rm -f "$DB" "$DB-wal" "$DB-shm"
    # Drop what the previous run left in the page cache from the comparison: the stream is read
    # warm every time (it was just generated or read), the database file is new each run.
    extra=()
    [ -n "$BATCH" ] && extra=(--batch-size "$BATCH")
    start=$(now)
    /usr/bin/time -v -o "$WORKDIR/time.txt" "$BIN" replay --db "$DB" "${extra[@]}" "$STREAM" \
        >"$WORKDIR/alerts.jsonl" 2>"$WORKDIR/replay.log"
    end=$(now)
    secs=$(echo "$end $start" | awk '{printf "%.3f", $1 - $2}')
    rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORKDIR/time.txt")
    cpu=$(awk -F': ' '/Percent of CPU/ {print $2}' "$WORKDIR/time.txt")
    cpu_secs=$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%.2f", s}' "$WORKDIR/time.txt")
    stored=$(grep -o 'new_posts=[0-9]*' "$WORKDIR/replay.log" | tail -1 | cut -d= -f2)
    alerts=$(wc -l <"$WORKDIR/alerts.jsonl")
    rate=$(echo "$POSTS $secs" | awk '{printf "%.0f", $1 / $2}')
    printf 'run %d: %8.3f s  %9s posts/s  peak RSS %6.1f MB  CPU %s (%s s)  stored %s  alerts %s\n' \
        "$run" "$secs" "$rate" "$(echo "$rss_kb" | awk '{print $1/1024}')" "$cpu" "$cpu_secs" \
        "$stored" "$alerts"
    if [ "$stored" != "$POSTS" ]; then
        echo "bench-replay: stored $stored posts, expected $POSTS" >&2
        exit 1
    fi
    SECS+=("$secs")
    CPUS+=("$cpu_secs")
    RSS+=("$rss_kb")
done
MED_SECS=$(printf '%s\n' "${SECS[@]}" | median)
MED_RSS=$(printf '%s\n' "${RSS[@]}" | median)
MED_RATE=$(echo "$POSTS $MED_SECS" | awk '{printf "%.0f", $1 / $2}')
MAX_RSS=$(printf '%s\n' "${RSS[@]}" | sort -g | tail -1)
printf 'trendwatch replay: median %.3f s = %s posts/s (%s input lines/s); peak RSS median %.1f MB, max %.1f MB (%d runs)\n' \
    "$MED_SECS" "$MED_RATE" "$(echo "$LINES $MED_SECS" | awk '{printf "%.0f", $1 / $2}')" \
    "$(echo "$MED_RSS" | awk '{print $1/1024}')" "$(echo "$MAX_RSS" | awk '{print $1/1024}')" "$RUNS"

MED_CPU=$(printf '%s\n' "${CPUS[@]}" | median)
printf 'CPU time (user+sys, both threads): median %.2f s = %s posts per CPU-second. The machine is\n' \
    "$MED_CPU" "$(echo "$POSTS $MED_CPU" | awk '{printf "%.0f", $1 / $2}')"
echo "shared: when CPU% is well under 200%, wall figures mostly measure other load (see uptime)."
echo "load: $(uptime)"

[ "$DUCKDB" = 1 ] || exit 0

VENV="$WORKDIR/venv"
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import duckdb' 2>/dev/null; then
    echo "bench-replay: installing duckdb into $VENV (dev-only)" >&2
    python3 -m venv "$VENV" >&2
    "$VENV/bin/pip" install -q duckdb >&2
fi
DSECS=()
for run in $(seq 1 "$RUNS"); do
    out=$("$VENV/bin/python" "$ROOT/scripts/bench_duckdb.py" "$STREAM")
    echo "duckdb run $run: $out"
    DSECS+=("$(echo "$out" | awk '{print $1}')")
done
MED_D=$(printf '%s\n' "${DSECS[@]}" | median)
printf 'duckdb (read_json, regex strip HTML, regex #topic#, distinct users per topic and minute, 2 threads): median %.3f s = %s posts/s\n' \
    "$MED_D" "$(echo "$POSTS $MED_D" | awk '{printf "%.0f", $1 / $2}')"
printf 'ratio: trendwatch is %.2fx the speed of DuckDB on the same file (and stores every post, counts and detector state)\n' \
    "$(echo "$MED_D $MED_SECS" | awk '{print $1 / $2}')"
