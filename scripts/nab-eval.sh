#!/usr/bin/env bash
# Scores trendwatch's spike detector on NAB's six realTweets series (AAPL, AMZN, CRM, CVS, FB,
# GOOG) with NAB's three profiles, using the detector's one default configuration.
#
#   scripts/nab-eval.sh            # build release, run `trendwatch detect`, score, print
#   SHARED=/path/to/shared scripts/nab-eval.sh
#   KEEP=/tmp/nab-out scripts/nab-eval.sh   # keep the detector outputs in that folder
#
# Needs: cargo, python3 (stdlib only). The data and scorer live in ../shared relative to the
# repository root: data/nab/realTweets/*.csv, data/nab/realTweets/labels.json and
# tools/nab_score.py.
set -euo pipefail

ROOT="$(git -C "$(dirname "$0")" rev-parse --show-toplevel)"
SHARED="${SHARED:-$ROOT/../shared}"
DATA="$SHARED/data/nab"
LABELS="$DATA/realTweets/labels.json"
SCORER="$SHARED/tools/nab_score.py"
for f in "$LABELS" "$SCORER"; do
    [ -f "$f" ] || { echo "nab-eval: missing $f (set SHARED=...)" >&2; exit 2; }
done

cargo build --release --bin trendwatch --manifest-path "$ROOT/Cargo.toml" >&2
BIN="$ROOT/target/release/trendwatch"

if [ -n "${KEEP:-}" ]; then
    OUT="$KEEP"
    mkdir -p "$OUT"
else
    OUT="$(mktemp -d "${TMPDIR:-/tmp}/nab-eval.XXXXXX")"
    trap 'rm -rf "$OUT"' EXIT
fi

"$BIN" detect --input "$DATA/realTweets" --output "$OUT"
python3 "$SCORER" "$LABELS" "$DATA" "$OUT" --profile all --per-file
