#!/usr/bin/env bash
# A single-node Slurm cluster on this machine, for testing `descent sweep run --executor slurm` for real.
#   scripts/slurm_local.sh start   # installs Debian's slurm-wlm and munge when absent (root + apt), starts munged,
#                                  # slurmctld and slurmd; prints the state folder; idempotent
#   scripts/slurm_local.sh stop    # stops the daemons it started (by their pid files) and removes the state folder
#   scripts/slurm_local.sh status  # exit 0 when the cluster answers sinfo
# State, spool, logs and pid files live under $DESCENT_SLURM_DIR (default /tmp/descent-slurm). Runs as root
# (SlurmUser=root); on a machine without root or apt it exits 3 and says why. Environment for clients: the script
# writes the config to /etc/slurm/slurm.conf (where sbatch, squeue, scancel and sacct look for it).
set -euo pipefail
dir="${DESCENT_SLURM_DIR:-/tmp/descent-slurm}"
conf_dir=/etc/slurm
cmd="${1:-}"

say() { echo "slurm_local: $*" >&2; }

need_root() {
  if [[ "$(id -u)" != 0 ]]; then
    say "needs root (slurmctld/slurmd run as SlurmUser=root here); skipping"
    exit 3
  fi
}

install() {
  if command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null \
      && command -v sbatch >/dev/null; then
    return 0
  fi
  command -v apt-get >/dev/null || { say "slurm-wlm is not installed and apt-get is missing; skipping"; exit 3; }
  say "installing slurm-wlm and munge (apt-get) ..."
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q slurm-wlm munge >"$dir.apt.log" 2>&1; then
    apt-get update -q >>"$dir.apt.log" 2>&1 || true
    apt-get install -y -q slurm-wlm munge >>"$dir.apt.log" 2>&1 || { say "apt-get install failed (see $dir.apt.log)"; exit 3; }
  fi
}

alive() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

start() {
  need_root
  install
  mkdir -p "$dir"/{state,spool,log,run} "$conf_dir" /run/munge /var/log/munge /var/lib/munge /etc/munge
  # munge: a key when missing, then the daemon (its own pid file)
  if [[ ! -s /etc/munge/munge.key ]]; then
    if command -v mungekey >/dev/null; then mungekey -c -f -k /etc/munge/munge.key >/dev/null 2>&1 || true; fi
    [[ -s /etc/munge/munge.key ]] || dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
  fi
  chown -R munge:munge /etc/munge /run/munge /var/log/munge /var/lib/munge 2>/dev/null || true
  chmod 0700 /etc/munge; chmod 0400 /etc/munge/munge.key; chmod 0755 /run/munge
  if ! alive "$dir/run/munged.pid"; then
    # munged drops to the munge user, so its pid file goes where that user may write; copied to $dir/run
    local mpid=/run/munge/descent-munged.pid
    rm -f "$mpid"
    if id munge >/dev/null 2>&1; then
      su -s /bin/sh munge -c "munged --pid-file=$mpid" 2>/dev/null || munged --force --pid-file="$mpid"
    else
      munged --force --pid-file="$mpid"
    fi
    for _ in $(seq 50); do [[ -s "$mpid" ]] && break; sleep 0.1; done
    [[ -s "$mpid" ]] || { say "munged did not start (see /var/log/munge/munged.log)"; exit 1; }
    cp "$mpid" "$dir/run/munged.pid"
  fi
  local host cpus mem
  host="$(hostname)"
  cpus="$(nproc)"
  mem="$(awk '/MemTotal/ {printf "%d", $2/1024*0.8}' /proc/meminfo)"
  cat >"$conf_dir/slurm.conf" <<EOF
# written by descent scripts/slurm_local.sh: a single-node test cluster
ClusterName=descent-local
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
ReturnToService=2
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MaxArraySize=100001
KillWait=10
InactiveLimit=0
MinJobAge=300
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
EOF
  # no cgroup.conf: proctrack/linuxproc and task/none need no cgroups (22.05 has no CgroupPlugin=disabled)
  if ! alive "$dir/run/slurmctld.pid"; then
    slurmctld -c -f "$conf_dir/slurm.conf" || { say "slurmctld failed (see $dir/log/slurmctld.log)"; exit 1; }
  fi
  if ! alive "$dir/run/slurmd.pid"; then
    slurmd -f "$conf_dir/slurm.conf" || { say "slurmd failed (see $dir/log/slurmd.log)"; exit 1; }
  fi
  for _ in $(seq 100); do
    if sinfo -h -o %T 2>/dev/null | grep -Eq '^(idle|mixed|allocated)'; then
      say "cluster up: $(sinfo -h -o '%P %D %T %c' 2>/dev/null | head -1) (state under $dir)"
      echo "$dir"
      return 0
    fi
    scontrol update nodename="$host" state=resume >/dev/null 2>&1 || true
    sleep 0.3
  done
  say "the node did not come up; sinfo says: $(sinfo 2>&1 | tail -2)"
  exit 1
}

stop() {
  local f
  for f in slurmd slurmctld munged; do
    if alive "$dir/run/$f.pid"; then
      local pid
      pid="$(cat "$dir/run/$f.pid")"
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$dir"
  say "stopped"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  status) sinfo -h >/dev/null 2>&1 ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
