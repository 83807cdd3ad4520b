#!/bin/sh
# A single-node Slurm cluster on this machine, for trying `sigex sweep --executor slurm` and for
# tools/slurm-sweep-check.sh: MUNGE for authentication, slurmctld and slurmd from Debian's
# slurm-wlm, one partition `batch` with every CPU of the machine. Its configuration, state and
# logs live in one directory (default /tmp/sigex-slurm), never in /etc/slurm.
#
#   tools/slurm-single-node.sh start [DIR]   start it; prints the SLURM_CONF line to export
#   tools/slurm-single-node.sh stop [DIR]    stop the daemons it started
#
# Runs as root (slurmd starts each task as the submitting user). Needs
# `tools/install-deps.sh --slurm`.
set -eu
command="${1:-}"
dir="${2:-/tmp/sigex-slurm}"
conf="$dir/slurm.conf"

# Waits up to $2 tenths of a second for the command $1 to succeed.
wait_for() {
  tries=0
  until eval "$1" >/dev/null 2>&1; do
    tries=$((tries + 1))
    if [ "$tries" -ge "$2" ]; then return 1; fi
    sleep 0.1
  done
}

# Stops each daemon and waits until it has exited (its ports are free for the next start).
stop() {
  for daemon in slurmd slurmctld munged; do
    if [ -f "$dir/$daemon.pid" ]; then
      pid="$(cat "$dir/$daemon.pid")"
      kill "$pid" 2>/dev/null || true
      wait_for "! kill -0 $pid" 100 || kill -9 "$pid" 2>/dev/null || true
      rm -f "$dir/$daemon.pid"
    fi
  done
}

case "$command" in
  start)
    for program in munged slurmctld slurmd sbatch sinfo; do
      command -v "$program" >/dev/null || {
        echo "slurm-single-node: $program not found: run tools/install-deps.sh --slurm" >&2
        exit 1
      }
    done
    stop
    mkdir -p "$dir/state" "$dir/spool" "$dir/munge"
    chown munge:munge "$dir/munge"
    chmod 0755 "$dir/munge"
    # MUNGE: its own socket in $dir, so a system munged (if any) is left alone.
    runuser -u munge -- /usr/sbin/munged --socket="$dir/munge/munge.socket" \
      --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" \
      --seed-file="$dir/munge/munged.seed"
    cp "$dir/munge/munged.pid" "$dir/munged.pid"
    host="$(hostname -s)"
    cpus="$(nproc)"
    memory_mb=$(($(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 512))
    cat > "$conf" <<EOF
# Written by tools/slurm-single-node.sh: one node, one partition, no accounting.
ClusterName=sigex
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CryptoType=crypto/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
SlurmctldPort=6817
SlurmdPort=6818
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MaxArraySize=10001
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory_mb State=UNKNOWN
PartitionName=batch Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
    /usr/sbin/slurmctld -f "$conf"
    /usr/sbin/slurmd -f "$conf"
    export SLURM_CONF="$conf"
    if ! wait_for "sinfo -h -o %T | grep -qE '^(idle|mixed|allocated)'" 300; then
      echo "slurm-single-node: the node did not become idle within 30 s; see $dir/*.log" >&2
      sinfo >&2 || true
      exit 1
    fi
    echo "export SLURM_CONF=$conf"
    ;;
  stop)
    stop
    ;;
  *)
    echo "usage: tools/slurm-single-node.sh start|stop [DIR]" >&2
    exit 2
    ;;
esac
