#!/bin/sh
# Runs a parameter sweep on a real single-node Slurm cluster and checks that its collected
# ranking equals the local sweep's byte for byte (the test SlurmCluster.* in app_tests).
# Installs Slurm and MUNGE if needed, starts the cluster (tools/slurm-single-node.sh), runs the
# test, stops the cluster. Usage: tools/slurm-sweep-check.sh [BUILD_DIR, default build]
set -eu
cd "$(dirname "$0")/.."
build="${1:-build}"
tools/install-deps.sh --slurm
cluster="$(mktemp -d /tmp/sigex-slurm-XXXXXX)"
chmod 0755 "$cluster"  # munged, as its own user, reaches its socket inside
trap 'tools/slurm-single-node.sh stop "$cluster"' EXIT INT TERM
eval "$(tools/slurm-single-node.sh start "$cluster")"
export SLURM_CONF
started="$(date +%s)"
if ! output="$("$build/tests/app_tests" --gtest_filter='SlurmCluster.*' 2>&1)" ||
   ! echo "$output" | grep -q '^\[  PASSED  \] 1 test' || echo "$output" | grep -q SKIPPED; then
  echo "$output"
  echo "sigex: the Slurm sweep check failed (cluster logs were in $cluster)" >&2
  exit 1
fi
tools/slurm-single-node.sh stop "$cluster"
rm -rf "$cluster"
echo "sigex: the sweep on Slurm ranked like the local one ($(($(date +%s) - started)) s)"
