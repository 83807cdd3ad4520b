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

# CI builds skip full debug info (-g) to keep the two builds well inside the time budget.
# Every stage says what it needs: a build directory configured earlier (e.g. by
# tools/quickstart.sh, without tests) must not leave a stage with nothing to run.
SIGEX_BUILD_DIR=build SIGEX_BUILD_TYPE=Release tools/build.sh -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" \
  -DSIGEX_WERROR=ON -DSIGEX_SANITIZE=OFF -DSIGEX_BUILD_TESTS=ON -DSIGEX_BUILD_BENCH=ON -DSIGEX_FAILPOINTS=ON
ctest --test-dir build --output-on-failure --no-tests=error --parallel "$jobs"
build/sigex check-config config/backtest-daily.toml
build/sigex check-config config/backtest-tick.toml
build/sigex check-config config/token-metrics.toml
build/sigex check-config config/execution-binance.toml
build/sigex check-config config/backtest-rebalance.toml
build/sigex check-config config/run-paper.toml
build/sigex check-config config/run-live.toml
build/sigex check-config config/run-paper-simulator.toml
build/sigex backtest --config config/backtest-daily.toml --out build/quickstart-daily --quiet
build/sigex backtest --config config/backtest-tick.toml --out build/quickstart-tick --quiet
build/sigex backtest --config config/backtest-rebalance.toml --out build/quickstart-rebalance --quiet

SIGEX_BUILD_DIR=build-sanitize SIGEX_BUILD_TYPE=Debug tools/build.sh -DCMAKE_CXX_FLAGS_DEBUG="-g1" \
  -DSIGEX_WERROR=ON -DSIGEX_SANITIZE=ON -DSIGEX_BUILD_TESTS=ON -DSIGEX_BUILD_BENCH=OFF -DSIGEX_FAILPOINTS=ON
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-sanitize --output-on-failure --no-tests=error --parallel "$jobs"
# The journal writer, venue I/O, feeds, poller, watchdog, metrics and control listeners run on
# threads of their own: every test runs again under ThreadSanitizer.
SIGEX_BUILD_DIR=build-tsan SIGEX_BUILD_TYPE=RelWithDebInfo tools/build.sh -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" \
  -DSIGEX_WERROR=ON -DSIGEX_TSAN=ON -DSIGEX_SANITIZE=OFF -DSIGEX_BUILD_TESTS=ON -DSIGEX_BUILD_BENCH=OFF -DSIGEX_FAILPOINTS=ON
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$(pwd)/tools/tsan.supp" \
  ctest --test-dir build-tsan --output-on-failure --no-tests=error --parallel "$jobs"
tools/fuzz.sh "${SIGEX_FUZZ_SECONDS:-60}"
echo "sigex: all tests passed"
