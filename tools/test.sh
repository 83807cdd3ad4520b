#!/bin/sh
# Installs what is needed, then runs the test suite in three stages (CI runs this; it must stay
# well inside 45 minutes on two cores, so the tree is built twice, not three times):
#   1. build-sanitize/  AddressSanitizer + UndefinedBehaviorSanitizer at -O0, warnings are
#                       errors: every test, every header on its own, the benchmarks compiled;
#                       then every bundled configuration is checked and the bundled backtests
#                       run with this build. While its tests run (they mostly wait on sockets
#                       and child processes), a background job at low priority compiles what
#                       the tests do not need (every header on its own, the benchmarks) and
#                       builds stages 2 and 3, so that the cores are not idle;
#      then a parameter sweep on a real single-node Slurm (tools/slurm-sweep-check.sh);
#   2. build-tsan/      ThreadSanitizer: every test binary whose tests run threads in their own
#                       process (CTest label `threads`; suppressions: tools/tsan.supp);
#   3. build-fuzz/      the wire-frame, Token Metrics, archive and webhook fuzzers (libFuzzer +
#                       ASan + UBSan) for a bounded time.
# The AddressSanitizer preset compiles each target's sources in batches (CMAKE_UNITY_BUILD),
# which halves its build. Each stage prints how long it took. Exits non-zero on the first failure. The -O2 build of
# the same tests is the `werror` preset (`cmake --preset werror && cmake --build --preset
# werror && ctest --preset werror`), the fast one to run while developing.
set -eu
cd "$(dirname "$0")/.."
tools/install-deps.sh --test --slurm
jobs="$(nproc)"
started="$(date +%s)"

# Each stage is a preset of CMakePresets.json (configure, build and test settings in one
# place). Every preset says what it needs: a build directory configured earlier (e.g. by
# tools/quickstart.sh, without tests) must not leave a stage with nothing to run.
# $2: tests at a time (most of them wait on sockets and child processes, not on a core).
# $3 (optional): a command run in the background, at low priority, while the tests run.
stage() {
  stage_started="$(date +%s)"
  cmake --preset "$1" >/dev/null
  cmake --build --preset "$1" --parallel "$jobs"
  built="$(date +%s)"
  background=""
  if [ -n "${3:-}" ]; then
    nice -n 10 sh -c "$3" > "build-$1-background.log" 2>&1 &
    background=$!
  fi
  ctest --preset "$1" --parallel "$2"
  echo "sigex: stage $1 passed in $(($(date +%s) - stage_started)) s (build $((built - stage_started)) s)"
  if [ -n "$background" ]; then
    if ! wait "$background"; then
      cat "build-$1-background.log"
      echo "sigex: the background builds of stage $1 failed (above)" >&2
      exit 1
    fi
    echo "sigex: background builds done at $(($(date +%s) - stage_started)) s"
  fi
}

stage asan $((jobs * 2)) "set -e
  cmake --build --preset asan --target compile_checks --parallel $jobs
  cmake --preset tsan >/dev/null && cmake --build --preset tsan --parallel $jobs
  cmake --preset fuzz >/dev/null && cmake --build --preset fuzz --parallel $jobs"
sigex=build-sanitize/sigex
# Every bundled configuration is valid, except the two that are not a run on their own:
# backtest-universe.toml reads the history that `sigex fetch-market-data` downloads, and
# sweep-daily.toml is a parameter grid for `sigex sweep`.
for config in config/*.toml; do
  case "$config" in
    config/backtest-universe.toml | config/sweep-daily.toml) ;;
    *) "$sigex" check-config "$config" ;;
  esac
done
for job in daily tick rebalance grade-trend grade-trend-perp signal-both-perp tick-perp; do
  "$sigex" backtest --config "config/backtest-$job.toml" --out "build-sanitize/quickstart-$job" --quiet
done
"$sigex" backtest --config config/record-coinbase-simulator.toml --out build-sanitize/quickstart-coinbase --quiet
tools/slurm-sweep-check.sh build-sanitize

# The journal writer, venue I/O, feeds, poller, watchdog, metrics and control listeners run on
# threads of their own: every test that starts them runs again under ThreadSanitizer.
stage tsan "$jobs"
fuzz_started="$(date +%s)"
tools/fuzz.sh "${SIGEX_FUZZ_SECONDS:-60}"
echo "sigex: fuzzing passed in $(($(date +%s) - fuzz_started)) s"
echo "sigex: all tests passed in $(($(date +%s) - started)) s"
