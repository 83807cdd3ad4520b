#!/bin/sh
# A stand-in for Slurm's sbatch in the sweep tests: runs each task of `--array=LIST` of the job
# script here, one after the other, with SLURM_ARRAY_TASK_ID set as Slurm sets it, and prints
# a job id as `sbatch --parsable` does. Each call's arguments are appended to $FAKE_SBATCH_LOG.
# FAKE_SBATCH_LOSE=N drops task N, as a node that died would (no result, no exit code).
# The real cluster is tested by tools/slurm-sweep-check.sh.
set -u
array=""
script=""
for argument in "$@"; do
  case "$argument" in
    --array=*) array="${argument#--array=}" ;;
    --*) ;;
    *) script="$argument" ;;
  esac
done
[ -n "${FAKE_SBATCH_LOG:-}" ] && echo "$*" >> "$FAKE_SBATCH_LOG"
[ -n "$array" ] && [ -r "$script" ] || { echo "sbatch: error: need --array and a script" >&2; exit 1; }
for range in $(echo "$array" | tr ',' ' '); do
  first="${range%-*}"
  last="${range#*-}"
  task="$first"
  while [ "$task" -le "$last" ]; do
    if [ "$task" != "${FAKE_SBATCH_LOSE:-}" ]; then
      SLURM_ARRAY_TASK_ID="$task" sh "$script" > /dev/null 2>&1
    fi
    task=$((task + 1))
  done
done
echo "4242"
