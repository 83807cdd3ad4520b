#!/bin/sh
# Installs every Debian 12 package sigex needs to build and benchmark; with --test, also what
# the test suite and the developer checks need (Chromium, to open report.html; clang-tidy and
# clang-format for tools/tidy.sh); with --slurm, a single-node Slurm and MUNGE for
# tools/slurm-sweep-check.sh. Usage: tools/install-deps.sh [--test] [--slurm]
# Idempotent: packages already present are skipped by apt-get.
set -eu

packages="
  build-essential cmake ninja-build pkg-config git ca-certificates
  libboost-dev libboost-system-dev
  libssl-dev zlib1g-dev
  libsimdjson-dev
  libconcurrentqueue-dev
  libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libtomlplusplus-dev
  libsqlite3-dev sqlite3
  libzip-dev
  libsecp256k1-dev libcrypto++-dev
  libsystemd-dev systemd
  libexpected-dev
  libcli11-dev
  libnats-dev nats-server
  libjs-chart.js
  clang libclang-rt-14-dev
"

# `--test`: also what only the test suite and the checks need (a headless browser for
# report.html, Debian's clang-tidy and clang-format, Python for the independent re-computation
# of the golden backtests).
for option in "$@"; do
  case "$option" in
    --test) packages="$packages chromium clang-tidy clang-format python3" ;;
    --slurm) packages="$packages slurm-wlm munge" ;;
    *) echo "install-deps: unknown option '$option' (expected --test, --slurm)" >&2; exit 2 ;;
  esac
done

missing=""
for package in $packages; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $package"
  fi
done

if [ -z "$missing" ]; then
  echo "install-deps: all packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages:$missing" >&2
  echo "install-deps: run as root (or with sudo) to install them" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
