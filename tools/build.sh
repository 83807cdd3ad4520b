#!/bin/sh
# Configures and builds sigex into build/ (or $SIGEX_BUILD_DIR). Extra arguments go to cmake.
set -eu
cd "$(dirname "$0")/.."
build_dir="${SIGEX_BUILD_DIR:-build}"
generator=""
if command -v ninja >/dev/null 2>&1; then generator="-G Ninja"; fi
# shellcheck disable=SC2086
cmake -S . -B "$build_dir" $generator -DCMAKE_BUILD_TYPE="${SIGEX_BUILD_TYPE:-RelWithDebInfo}" "$@"
cmake --build "$build_dir" --parallel "$(nproc)"
