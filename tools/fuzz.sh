#!/bin/sh
# Builds the frame parser fuzzer with clang (libFuzzer + ASan + UBSan) into build-fuzz/ and runs
# it for a bounded time (default 60 s) from a seed corpus of real captured frames.
# Usage: tools/fuzz.sh [seconds]
set -eu
cd "$(dirname "$0")/.."
seconds="${1:-60}"
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSIGEX_FUZZ=ON -DSIGEX_BUILD_TESTS=OFF -DSIGEX_BUILD_BENCH=OFF >/dev/null
cmake --build build-fuzz --target frame_fuzzer --parallel "$(nproc)"

corpus=build-fuzz/corpus
mkdir -p "$corpus"
# Seeds: real frames of every kind from the bundled captures and fixtures, one per file.
i=0
for file in config/data/binance-spot-capture/btcusdt_20240808.gz config/data/samples/minute_signals_btc_eth.jsonl.gz; do
  zcat "$file" | awk 'NR % 997 == 1 || /lastUpdateId/' | head -n 200 | cut -d' ' -f2- |
  while IFS= read -r line; do
    i=$((i + 1))
    printf '%s' "$line" > "$corpus/seed-$(basename "$file")-$i"
  done
done
cp tests/data/binance_ws_other_symbols.txt "$corpus/seed-cryptofeed"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  build-fuzz/tests/fuzz/frame_fuzzer -max_total_time="$seconds" -max_len=65536 -timeout=10 \
  -print_final_stats=1 -artifact_prefix=build-fuzz/ "$corpus" tests/fuzz/regressions
