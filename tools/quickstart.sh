#!/bin/sh
# Quick start: installs the Debian packages sigex needs, builds it and runs the bundled main
# job, a 2017-2022 daily backtest of signal_follow on real Binance BTCUSDT candles with SAMPLE
# signals. No API key, no network beyond apt. The report lands in build/backtest-out/daily/.
set -eu
cd "$(dirname "$0")/.."
tools/install-deps.sh
tools/build.sh -DSIGEX_BUILD_TESTS=OFF -DSIGEX_BUILD_BENCH=OFF
build/sigex check-config config/backtest-daily.toml
build/sigex backtest --config config/backtest-daily.toml
echo
echo "Outputs: $(pwd)/build/backtest-out/daily/{report.html,summary.json,orders.csv,fills.csv,trades.csv,equity.csv}"
