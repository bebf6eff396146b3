#!/usr/bin/env bash
# Seeds each fuzz target's corpus (fuzz/corpus/<target>/, not committed) from the fixtures.
# Idempotent: files are copied under stable names, so a rerun overwrites rather than adds.
set -euo pipefail
cd "$(dirname "$0")"
fixtures=../fixtures
samples=$fixtures/samples

seed() { # seed TARGET FILE...
    local target=$1
    shift
    mkdir -p "corpus/$target"
    for f in "$@"; do
        [ -f "$f" ] && cp "$f" "corpus/$target/seed-$(basename "$f")"
    done
    return 0
}

# Split a JSON-lines file into one seed per line (small inputs mutate better than big ones).
seed_lines() { # seed_lines TARGET FILE [MAX]
    local target=$1 file=$2 max=${3:-40} n=0
    mkdir -p "corpus/$target"
    while IFS= read -r line && [ "$n" -lt "$max" ]; do
        n=$((n + 1))
        printf '%s\n' "$line" >"corpus/$target/line-$(basename "$file")-$n"
    done <"$file"
}

seed mblog_line "$samples"/*.jsonl "$samples"/bad/*.jsonl "$fixtures/wechat-outage-2015/sample.jsonl"
seed_lines mblog_line "$samples/mblog-lines.jsonl"
seed_lines mblog_line "$fixtures/wechat-outage-2015/sample.jsonl" 20
seed api_page "$samples/api-page.json" "$samples/hot-search.json"
seed_lines api_page "$samples/mblog-lines.jsonl" 10
seed search_page "$samples"/search-*.html "$samples/bad/broken.html"
seed hot_search "$samples/hot-search.json" "$samples/hot-summary.html"
seed decode_body "$samples"/*.html "$samples/bad/invalid-utf8.jsonl" "$samples/api-page.json"

mkdir -p corpus/weibo_time corpus/series_csv corpus/detector corpus/classifier corpus/daemon_config
# weibo_time: 8 bytes of capture time (little-endian Unix seconds), then the date text.
ref='\x50\x0f\xf5\x55\x00\x00\x00\x00' # 1442123600 = 2015-09-13 13:53:20 +08:00
i=0
for t in '刚刚' '5分钟前' '3小时前' '2天前' '30秒前' '今天 13:05' '昨天 23:59' '前天 00:00' \
    '09月13日 13:05' '2015年09月13日 13:05' '09-13' '09-13 13:05' '2015-09-13' \
    '2015-09-13 13:05:22' 'Sun Sep 13 13:05:22 +0800 2015' '2015-09-13T13:05:22+08:00' \
    '1.2万' '3亿' '100+'; do
    i=$((i + 1))
    { printf "$ref"; printf '%s' "$t"; } >"corpus/weibo_time/seed-$i"
done
printf 'timestamp,value\n2015-09-13 13:00:00,3\n2015-09-13 13:05:00,4\n2015-09-13 13:10:00,90\n' \
    >corpus/series_csv/seed-basic.csv
printf 'value,timestamp,label\n1.5,2015-02-26T21:42:53Z,x\n0,2015-02-26T21:47:53+08:00,y\n' \
    >corpus/series_csv/seed-reordered.csv
printf 'timestamp,value\n2015-09-13 13:00:00,NaN\n1970-01-01 00:00:00,-1\n9999-12-31 23:59:59,1e308\n' \
    >corpus/series_csv/seed-hostile.csv
printf '\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00' \
    >corpus/detector/seed-zero
head -c 4096 "$fixtures/classifier/corpus.jsonl" >corpus/classifier/seed-corpus-head
for t in '微信又崩了，消息发不出去 #微信崩了#' 'WeChat is down, cannot log in' '支付宝付款失败了' '今天天气不错'; do
    i=$((i + 1))
    printf '%s' "$t" >"corpus/classifier/seed-$i"
done
for f in ../*.example.toml ../docs/*.toml ../crates/pipeline/*.toml; do
    [ -f "$f" ] && cp "$f" "corpus/daemon_config/seed-$(basename "$f")"
done
cat >corpus/daemon_config/seed-minimal.toml <<'TOML'
database = "trendwatch.db"

[http]
timeout = "10s"
max_body_bytes = 1048576

[[source]]
name = "wechat"
kind = "weibo_api"
containerid = "100103type=1&q=微信"
interval = "60s"

[[sinks.webhook]]
name = "ops"
url = "http://127.0.0.1:9/hook"
TOML
echo "seeded: $(find corpus -type f | wc -l) files in $(ls corpus | wc -l) corpora"
