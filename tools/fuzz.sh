#!/bin/sh
# Builds the libFuzzer targets with clang (libFuzzer + ASan + UBSan) into build-fuzz/ and runs
# each for a bounded time from a seed corpus of real captured frames:
#   frame_fuzzer        every wire parser (Binance frames, Token Metrics pages)  2/3 of the time
#   tm_response_fuzzer  the Token Metrics client's page check, parser, combiner  1/3 of the time
# Usage: tools/fuzz.sh [total seconds, default 60]
set -eu
cd "$(dirname "$0")/.."
seconds="${1:-60}"
frame_seconds=$((seconds * 2 / 3))
tm_seconds=$((seconds - frame_seconds))
cmake --preset fuzz >/dev/null  # CMakePresets.json
cmake --build --preset fuzz --parallel "$(nproc)"

corpus=build-fuzz/corpus
tm_corpus=build-fuzz/tm-corpus
mkdir -p "$corpus" "$tm_corpus"
# Seeds: real frames of every kind from the bundled captures and fixtures, one per file.
i=0
for file in config/data/binance-spot-capture/btcusdt_20240808.gz config/data/samples/minute_signals_btc_eth.jsonl.gz \
    config/data/samples/daily_trading_signals_btc.jsonl.gz \
    config/data/binance-usdm-funding/btcusdt_funding_rate.jsonl.gz; do
  zcat "$file" | awk 'NR % 997 == 1 || /lastUpdateId/' | head -n 200 | cut -d' ' -f2- |
  while IFS= read -r line; do
    i=$((i + 1))
    printf '%s' "$line" > "$corpus/seed-$(basename "$file")-$i"
  done
done
cp tests/data/binance_ws_other_symbols.txt "$corpus/seed-cryptofeed"
cp tests/data/nautilus-usdm/*.json "$corpus/"  # USD-M user data events
cp tests/data/token_metrics/*.json "$tm_corpus/"
for file in config/data/samples/minute_signals_btc_eth.jsonl.gz config/data/samples/daily_trading_signals_btc.jsonl.gz; do
  zcat "$file" | head -n 20 | cut -d' ' -f2- | awk -v dir="$tm_corpus" -v name="$(basename "$file")" \
    '{ file = dir "/seed-" name "-" NR; printf "%s", $0 > file; close(file) }'
done

export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
build-fuzz/tests/fuzz/frame_fuzzer -max_total_time="$frame_seconds" -max_len=65536 -timeout=10 \
  -print_final_stats=1 -artifact_prefix=build-fuzz/ "$corpus" tests/fuzz/regressions
build-fuzz/tests/fuzz/tm_response_fuzzer -max_total_time="$tm_seconds" -max_len=65536 -timeout=10 \
  -print_final_stats=1 -artifact_prefix=build-fuzz/tm- "$tm_corpus" tests/fuzz/regressions
