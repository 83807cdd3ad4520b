#!/bin/sh
# Installs what is needed, then runs the whole test suite three times:
#   1. build/            warnings are errors (-Wall -Wextra -Wpedantic -Werror), all tests;
#   2. build-sanitize/   AddressSanitizer + UndefinedBehaviorSanitizer, all tests;
#   3. build-tsan/       ThreadSanitizer, all tests (suppressions: tools/tsan.supp);
#   4. build-fuzz/       the wire-frame and Token Metrics response fuzzers (libFuzzer + ASan +
#                        UBSan) for a bounded time.
# Also checks that the quick-start backtests run. Exits non-zero on the first failure.
set -eu
cd "$(dirname "$0")/.."
tools/install-deps.sh --test
jobs="$(nproc)"

# Each stage is a preset of CMakePresets.json (configure, build and test settings in one
# place; run one by hand with `cmake --preset tsan && cmake --build --preset tsan && ctest
# --preset tsan`). CI builds skip full debug info (-g) to stay well inside the time budget.
# Every preset says what it needs: a build directory configured earlier (e.g. by
# tools/quickstart.sh, without tests) must not leave a stage with nothing to run.
stage() {
  cmake --preset "$1" >/dev/null
  cmake --build --preset "$1" --parallel "$jobs"
  ctest --preset "$1" --parallel "$jobs"
}
stage werror
build/sigex check-config config/backtest-daily.toml
build/sigex check-config config/backtest-tick.toml
build/sigex check-config config/token-metrics.toml
build/sigex check-config config/execution-binance.toml
build/sigex check-config config/backtest-rebalance.toml
build/sigex check-config config/run-paper.toml
build/sigex check-config config/run-live.toml
build/sigex check-config config/run-live-usdm.toml
build/sigex check-config config/execution-binance-usdm.toml
build/sigex check-config config/run-paper-simulator.toml
build/sigex check-config config/backtest-grade-trend.toml
build/sigex check-config config/backtest-grade-trend-perp.toml
build/sigex check-config config/backtest-signal-both-perp.toml
build/sigex check-config config/backtest-tick-perp.toml
build/sigex check-config config/run-paper-webhook.toml
build/sigex check-config config/fetch-history-x402.toml
build/sigex check-config config/run-live-coinbase.toml
build/sigex check-config config/record-coinbase-simulator.toml
build/sigex check-config config/run-live-multi-venue.toml
build/sigex check-config config/run-paper-events.toml
build/sigex backtest --config config/backtest-daily.toml --out build/quickstart-daily --quiet
build/sigex backtest --config config/backtest-tick.toml --out build/quickstart-tick --quiet
build/sigex backtest --config config/backtest-rebalance.toml --out build/quickstart-rebalance --quiet
build/sigex backtest --config config/backtest-grade-trend.toml --out build/quickstart-grade-trend --quiet
build/sigex backtest --config config/backtest-grade-trend-perp.toml --out build/quickstart-grade-trend-perp --quiet
build/sigex backtest --config config/backtest-signal-both-perp.toml --out build/quickstart-signal-both-perp --quiet
build/sigex backtest --config config/backtest-tick-perp.toml --out build/quickstart-tick-perp --quiet
build/sigex backtest --config config/record-coinbase-simulator.toml --out build/quickstart-coinbase --quiet

stage asan
# The journal writer, venue I/O, feeds, poller, watchdog, metrics and control listeners run on
# threads of their own: every test runs again under ThreadSanitizer.
stage tsan
tools/fuzz.sh "${SIGEX_FUZZ_SECONDS:-60}"
echo "sigex: all tests passed"
