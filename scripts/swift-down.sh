#!/usr/bin/env bash
# swift-down.sh [BASE_DIR] [--keep-data]
#
# Stops the all-in-one Swift started by swift-up.sh (only the processes whose
# PIDs it recorded in BASE_DIR/run, each with its process group), then removes
# BASE_DIR (configs, rings, data, logs) unless --keep-data is given, and
# restores /etc/swift/swift.conf from the backup swift-up.sh made.
# Environment: SWIFT_AIO_DIR [/tmp/coffer-swift], SWIFT_STOP_TIMEOUT [15].
set -uo pipefail

KEEP=0 BASE=""
for a in "$@"; do
  case "$a" in
    --keep-data) KEEP=1 ;;
    -*) echo "unknown option $a" >&2; exit 2 ;;
    *) BASE=$a ;;
  esac
done
BASE=${BASE:-${SWIFT_AIO_DIR:-/tmp/coffer-swift}}
STOP_TIMEOUT=${SWIFT_STOP_TIMEOUT:-15}
RUN=$BASE/run
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
cd /

# a caller piping our output into e.g. `head` must not kill us half-way
trap '' PIPE
log() { printf '[swift-down %(%H:%M:%S)T] %s\n' -1 "$*" >&2 || true; }
case "$BASE" in /?*) ;; *) log "BASE_DIR must be absolute: $BASE"; exit 2 ;; esac

ours() {  # pid -> 0 if it still is the process swift-up.sh started
  local cmd
  cmd=$( { tr '\0' ' ' <"/proc/$1/cmdline"; } 2>/dev/null) || return 1
  case "$cmd" in *"$BASE"*|*memcached\ -l\ *) return 0 ;; esac
  return 1
}

group_alive() {  # -> 0 if a non-zombie process is still in process group $PG
  # (a killed daemon stays a zombie until PID 1 reaps it, which can take ~2 s)
  local f st
  for f in /proc/[0-9]*/stat; do
    { read -r st <"$f"; } 2>/dev/null || continue
    st=${st##*) }                    # after "pid (comm) ": state ppid pgrp ...
    set -- $st
    if [ "$3" = "$PG" ] && [ "$1" != Z ]; then return 0; fi
  done
  return 1
}

pids=()
if [ -d "$RUN" ]; then
  for f in "$RUN"/*.pid; do
    [ -e "$f" ] || continue
    pid=$(cat "$f" 2>/dev/null)
    if [[ "$pid" =~ ^[0-9]+$ ]] && ours "$pid"; then
      pids+=("$pid")
      log "stopping $(basename "$f" .pid) (pid $pid)"
      # setsid made each one a process-group leader: TERM the group (workers too)
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
    fi
    rm -f "$f"
  done
fi

deadline=$(( $(date +%s) + STOP_TIMEOUT ))
for pid in "${pids[@]}"; do
  PG=$pid
  while group_alive; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      log "pid $pid still alive after ${STOP_TIMEOUT}s: KILL"
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
      sleep 0.2
      break
    fi
    sleep 0.1
  done
done

if [ "$KEEP" = 1 ]; then
  log "stopped; kept $BASE"
else
  if [ -e "$BASE/.swift-aio" ]; then
    rm -rf -- "$BASE"
  elif [ -e "$BASE" ]; then
    log "$BASE has no .swift-aio marker: not removing it"
  fi
  if [ -f /etc/swift/swift.conf.pre-aio ]; then
    mv -f /etc/swift/swift.conf.pre-aio /etc/swift/swift.conf
  fi
  log "stopped; removed $BASE"
fi
