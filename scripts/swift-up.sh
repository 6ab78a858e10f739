#!/usr/bin/env bash
# swift-up.sh [BASE_DIR]
#
# All-in-one OpenStack Swift (Debian 12 packages, Swift 2.30) on 127.0.0.1:
# one node, one replica, one directory-backed device, tempauth + s3api.
# Idempotent: installs missing packages, (re)writes configs and rings under
# BASE_DIR, starts memcached + account/container/object/proxy servers in the
# background (PIDs in BASE_DIR/run), waits until healthy, prints endpoints.
# If the instance in BASE_DIR is already running and healthy it only prints.
# Must run as root (apt-get, /etc/swift/swift.conf). Stop with swift-down.sh.
#
# Environment overrides (defaults in brackets):
#   SWIFT_AIO_DIR [/tmp/coffer-swift]   base dir if no argument is given
#   SWIFT_PROXY_PORT [8080]  SWIFT_OBJECT_PORT [6200]  SWIFT_CONTAINER_PORT [6201]
#   SWIFT_ACCOUNT_PORT [6202]  SWIFT_MEMCACHED_PORT [11211]
#   SWIFT_PROXY_WORKERS [0]  SWIFT_OBJECT_WORKERS [0]   (0 = single process, no fork;
#                             N = parent + N forked workers)
#   SWIFT_PART_POWER [10]
#   SWIFT_UPDATERS [0]        1 = also run container-updater + object-updater
#                             (account-level usage stats; costs CPU, see RECIPE)
#   SWIFT_HASH_SUFFIX [aio-swift-suffix]  SWIFT_HASH_PREFIX [aio-swift-prefix]
#   SWIFT_START_TIMEOUT [60]  seconds to wait for health
#   SWIFT_SKIP_INSTALL [0]    1 = never call apt-get
set -euo pipefail

BASE=${1:-${SWIFT_AIO_DIR:-/tmp/coffer-swift}}
PROXY_PORT=${SWIFT_PROXY_PORT:-8080}
OBJECT_PORT=${SWIFT_OBJECT_PORT:-6200}
CONTAINER_PORT=${SWIFT_CONTAINER_PORT:-6201}
ACCOUNT_PORT=${SWIFT_ACCOUNT_PORT:-6202}
MEMCACHED_PORT=${SWIFT_MEMCACHED_PORT:-11211}
PROXY_WORKERS=${SWIFT_PROXY_WORKERS:-0}
OBJECT_WORKERS=${SWIFT_OBJECT_WORKERS:-0}
PART_POWER=${SWIFT_PART_POWER:-10}
UPDATERS=${SWIFT_UPDATERS:-0}
HASH_SUFFIX=${SWIFT_HASH_SUFFIX:-aio-swift-suffix}
HASH_PREFIX=${SWIFT_HASH_PREFIX:-aio-swift-prefix}
START_TIMEOUT=${SWIFT_START_TIMEOUT:-60}
SKIP_INSTALL=${SWIFT_SKIP_INSTALL:-0}
IP=127.0.0.1

PACKAGES="swift swift-proxy swift-account swift-container swift-object python3-swiftclient memcached curl"

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Debian's Swift is Python 3 from /usr/bin; never let pyenv/venv shims interfere.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
unset PYTHONPATH PYTHONHOME VIRTUAL_ENV || true
cd /

# a caller piping our output into e.g. `head` must not kill us half-way
trap '' PIPE
log() { printf '[swift-up %(%H:%M:%S)T] %s\n' -1 "$*" >&2 || true; }
die() { log "ERROR: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root"
case "$BASE" in /*) ;; *) die "BASE_DIR must be absolute: $BASE" ;; esac

ETC=$BASE/etc RUN=$BASE/run LOGDIR=$BASE/log DEVICES=$BASE/srv/node CACHE=$BASE/cache
T0=$(date +%s.%N)

# ---------------------------------------------------------------- install
missing=""
for p in $PACKAGES; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing="$missing $p"
done
if [ -n "$missing" ]; then
  [ "$SKIP_INSTALL" = 1 ] && die "missing packages:$missing"
  log "installing:$missing"
  export DEBIAN_FRONTEND=noninteractive
  # policy-rc.d or "no init system" keeps postinst from starting the packaged daemons.
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends -o Dpkg::Options::=--force-confold \
    -o Dpkg::Options::=--force-unsafe-io $missing >/dev/null
  log "installed in $(awk "BEGIN{printf \"%.1f\", $(date +%s.%N)-$T0}")s"
fi

# ---------------------------------------------------------------- helpers
SERVICES="logsink memcached account container object proxy"
[ "$UPDATERS" = 1 ] && SERVICES="$SERVICES container-updater object-updater"

pid_alive() {  # pidfile -> 0 if the recorded process is alive and is ours
  local f=$1 pid cmd
  [ -s "$f" ] || return 1
  pid=$(cat "$f")
  [ -r "/proc/$pid/cmdline" ] || return 1
  cmd=$( { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null) || return 1
  case "$cmd" in
    *"$BASE"*|*"memcached -l $IP -p $MEMCACHED_PORT "*) return 0 ;;
  esac
  return 1
}

healthy() {
  curl -sf -m 2 "http://$IP:$PROXY_PORT/healthcheck" >/dev/null || return 1
  curl -sf -m 2 "http://$IP:$ACCOUNT_PORT/healthcheck" >/dev/null || return 1
  curl -sf -m 2 "http://$IP:$CONTAINER_PORT/healthcheck" >/dev/null || return 1
  curl -sf -m 2 "http://$IP:$OBJECT_PORT/healthcheck" >/dev/null || return 1
  # end-to-end: tempauth token (needs memcached) + account HEAD
  local tok
  tok=$(curl -sf -m 5 -o /dev/null -D - -H 'X-Auth-User: test:tester' -H 'X-Auth-Key: testing' \
        "http://$IP:$PROXY_PORT/auth/v1.0" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-auth-token"{print $2}')
  [ -n "$tok" ] || return 1
  curl -sf -m 5 -o /dev/null -I -H "X-Auth-Token: $tok" "http://$IP:$PROXY_PORT/v1/AUTH_test"
}

print_endpoints() {
  cat >"$BASE/swift-aio.env" <<EOF
SWIFT_AIO_DIR=$BASE
SWIFT_AUTH_URL=http://$IP:$PROXY_PORT/auth/v1.0
SWIFT_USER=test:tester
SWIFT_KEY=testing
SWIFT_STORAGE_URL=http://$IP:$PROXY_PORT/v1/AUTH_test
S3_ENDPOINT=http://$IP:$PROXY_PORT
S3_REGION=us-east-1
S3_ACCESS_KEY=test:tester
S3_SECRET_KEY=testing
EOF
  cat "$BASE/swift-aio.env"
  echo "# also: test2:tester2/testing2 (account AUTH_test2), test:tester3/testing3 (non-admin),"
  echo "#       admin:admin/admin (reseller admin). S3 needs path-style addressing."
}

# ---------------------------------------------------------------- already up?
if [ -d "$RUN" ]; then
  alive=0 total=0
  for s in $SERVICES; do total=$((total + 1)); pid_alive "$RUN/$s.pid" && alive=$((alive + 1)); done
  if [ "$alive" = "$total" ] && healthy; then
    log "already running and healthy in $BASE"
    print_endpoints
    exit 0
  fi
  if [ "$alive" -gt 0 ]; then
    log "partially running ($alive/$total); restarting"
    "$SCRIPT_DIR/swift-down.sh" "$BASE" --keep-data
  fi
fi

for port in $PROXY_PORT $OBJECT_PORT $CONTAINER_PORT $ACCOUNT_PORT $MEMCACHED_PORT; do
  if (exec 3<>"/dev/tcp/$IP/$port") 2>/dev/null; then
    die "port $IP:$port already in use by another process"
  fi
done

# ---------------------------------------------------------------- configure
mkdir -p "$ETC" "$RUN" "$LOGDIR" "$DEVICES/d1" "$CACHE"
touch "$BASE/.swift-aio"   # marker: swift-down.sh only deletes dirs that have it

# Swift reads the hash prefix/suffix and storage policies ONLY from
# /etc/swift/swift.conf (hard-coded); rings and server confs come from swift_dir.
SWIFT_CONF_TEXT="[swift-hash]
swift_hash_path_suffix = $HASH_SUFFIX
swift_hash_path_prefix = $HASH_PREFIX

[storage-policy:0]
name = Policy-0
default = yes

[swift-constraints]
# defaults: max_file_size = 5368709122 (5 GiB + 2), container_listing_limit = 10000"
mkdir -p /etc/swift
if [ -f /etc/swift/swift.conf ] && [ ! -f /etc/swift/swift.conf.pre-aio ] \
   && ! grep -q "swift_hash_path_suffix = $HASH_SUFFIX\$" /etc/swift/swift.conf; then
  cp -p /etc/swift/swift.conf /etc/swift/swift.conf.pre-aio
fi
printf '%s\n' "$SWIFT_CONF_TEXT" >/etc/swift/swift.conf
printf '%s\n' "$SWIFT_CONF_TEXT" >"$ETC/swift.conf"   # copy for reference only

common_default() {  # $1 = port, $2 = workers, $3 = log name
  cat <<EOF
[DEFAULT]
bind_ip = $IP
bind_port = $1
workers = $2
user = root
swift_dir = $ETC
devices = $DEVICES
mount_check = false
log_name = $3
log_level = INFO
log_address = $RUN/log.sock
EOF
}

{ common_default "$ACCOUNT_PORT" 0 account-server; cat <<EOF

[pipeline:main]
pipeline = healthcheck account-server

[app:account-server]
use = egg:swift#account

[filter:healthcheck]
use = egg:swift#healthcheck

[account-replicator]
[account-auditor]
[account-reaper]
EOF
} >"$ETC/account-server.conf"

{ common_default "$CONTAINER_PORT" 0 container-server; cat <<EOF

[pipeline:main]
pipeline = healthcheck container-server

[app:container-server]
use = egg:swift#container

[filter:healthcheck]
use = egg:swift#healthcheck

[container-replicator]
[container-auditor]
[container-sync]
[container-sharder]

[container-updater]
# forks one child per partition holding container DBs on every pass: keep it rare
interval = 60
concurrency = 1
recon_cache_path = $CACHE
EOF
} >"$ETC/container-server.conf"

{ common_default "$OBJECT_PORT" "$OBJECT_WORKERS" object-server; cat <<EOF

[pipeline:main]
pipeline = healthcheck object-server

[app:object-server]
use = egg:swift#object

[filter:healthcheck]
use = egg:swift#healthcheck

[object-replicator]
[object-reconstructor]
[object-auditor]

[object-updater]
interval = 60
concurrency = 1
recon_cache_path = $CACHE
EOF
} >"$ETC/object-server.conf"

cat >"$ETC/proxy-server.conf" <<EOF
[DEFAULT]
bind_ip = $IP
bind_port = $PROXY_PORT
workers = $PROXY_WORKERS
user = root
swift_dir = $ETC
log_name = proxy-server
log_level = INFO
# all servers log via syslog protocol to a local UNIX socket served by the
# log sink below (no /dev/log here; Swift would otherwise fall back to UDP
# syslog on localhost:514 from wildcard-bound sockets)
log_address = $RUN/log.sock

[pipeline:main]
# s3api must sit directly before the auth filter (tempauth); slo must come
# after s3api or S3 multipart upload is silently disabled.
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk s3api tempauth copy slo dlo versioned_writes proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
# tempauth accounts (AUTH_test ...) do not exist until first use
account_autocreate = true
allow_account_management = true
# Only one node per ring: never "error-limit" it.  By default a single 507
# (e.g. ext4 xattr ENOSPC for ~4 KB of metadata) or 10 errors make the proxy
# skip the node for 60 s, i.e. EVERY request returns 503 for a minute.
error_suppression_interval = 0

[filter:catch_errors]
use = egg:swift#catch_errors

[filter:gatekeeper]
use = egg:swift#gatekeeper

[filter:healthcheck]
use = egg:swift#healthcheck

[filter:proxy-logging]
use = egg:swift#proxy_logging

[filter:cache]
# tempauth keeps its tokens in memcache: without a reachable memcached
# /auth/v1.0 answers 503 and tokens are rejected (401); S3 (signed per
# request) still works.
use = egg:swift#memcache
memcache_servers = $IP:$MEMCACHED_PORT

[filter:listing_formats]
use = egg:swift#listing_formats

[filter:bulk]
use = egg:swift#bulk

[filter:s3api]
use = egg:swift#s3api
location = us-east-1
s3_acl = false
dns_compliant_bucket_names = true
allow_multipart_uploads = true
# AWS allows 10000 parts (Swift default 1000); needs slo max_manifest_segments too
max_upload_part_num = 10000
allowable_clock_skew = 900

[filter:tempauth]
use = egg:swift#tempauth
user_admin_admin = admin .admin .reseller_admin
user_test_tester = testing .admin
user_test2_tester2 = testing2 .admin
user_test_tester3 = testing3

[filter:copy]
use = egg:swift#copy

[filter:slo]
use = egg:swift#slo
max_manifest_segments = 10000

[filter:dlo]
use = egg:swift#dlo

[filter:versioned_writes]
use = egg:swift#versioned_writes
allow_versioned_writes = true
EOF

# Rings: part power $PART_POWER, 1 replica, one device d1 per ring.  Same as
#   swift-ring-builder X.builder create P 1 1
#   swift-ring-builder X.builder add r1z1-127.0.0.1:PORT/d1 100
#   swift-ring-builder X.builder rebalance
# but in a single Python process (the CLI costs ~1 s of imports per call).
/usr/bin/python3 - "$ETC" "$PART_POWER" "$IP" "$ACCOUNT_PORT" "$CONTAINER_PORT" "$OBJECT_PORT" <<'PY'
import os, sys
from swift.common.ring import RingBuilder
etc, power, ip = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ports = dict(zip(('account', 'container', 'object'), map(int, sys.argv[4:7])))
for name, port in ports.items():
    b = RingBuilder(power, 1, 1)
    b.add_dev({'region': 1, 'zone': 1, 'ip': ip, 'port': port,
               'replication_ip': ip, 'replication_port': port,
               'device': 'd1', 'weight': 100, 'meta': ''})
    b.rebalance()
    b.get_ring().save(os.path.join(etc, name + '.ring.gz'))
    b.save(os.path.join(etc, name + '.builder'))
PY

# ---------------------------------------------------------------- start
start() {  # name, command...   (setsid: own session/process group, PGID == PID)
  local name=$1; shift
  setsid "$@" </dev/null >>"$LOGDIR/$name.log" 2>&1 &
  echo $! >"$RUN/$name.pid"
}
T1=$(date +%s.%N)
MC_USER=memcache; id -u memcache >/dev/null 2>&1 || MC_USER=nobody
# syslog sink: receives all Swift log records on $RUN/log.sock -> $LOGDIR/swift.log
rm -f "$RUN/log.sock"
start logsink /usr/bin/python3 -c '
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "ab", buffering=0) as f:
    while True:
        m = s.recv(262144).rstrip(b"\0\n")
        if m[:1] == b"<" and 0 < m.find(b">") < 5:
            m = m[m.find(b">") + 1:]
        f.write(time.strftime("%Y-%m-%dT%H:%M:%S ").encode() + m + b"\n")
' "$RUN/log.sock" "$LOGDIR/swift.log"
for _ in $(seq 50); do [ -S "$RUN/log.sock" ] && break; sleep 0.05; done
[ -S "$RUN/log.sock" ] || die "log sink did not start (see $LOGDIR/logsink.log)"
start memcached /usr/bin/memcached -l "$IP" -p "$MEMCACHED_PORT" -U 0 -m 64 -t 2 -u "$MC_USER"
start account /usr/bin/swift-account-server "$ETC/account-server.conf"
start container /usr/bin/swift-container-server "$ETC/container-server.conf"
start object /usr/bin/swift-object-server "$ETC/object-server.conf"
# -v: also log to stderr (proxy.log). Needed for the access log: in Swift 2.30
# proxy-logging ignores log_address (only /dev/log or UDP syslog), so without
# -v access lines only go to UDP localhost:514, where nothing listens.
start proxy /usr/bin/swift-proxy-server "$ETC/proxy-server.conf" -v
if [ "$UPDATERS" = 1 ]; then
  start container-updater /usr/bin/swift-container-updater "$ETC/container-server.conf"
  start object-updater /usr/bin/swift-object-updater "$ETC/object-server.conf"
fi

fail_start() {  # show the evidence, stop what we started (keep files for debugging), exit 1
  tail -n 30 "$1" "$LOGDIR/swift.log" >&2 2>/dev/null || true
  "$SCRIPT_DIR/swift-down.sh" "$BASE" --keep-data || true
  die "$2"
}
deadline=$(( $(date +%s) + START_TIMEOUT ))
until healthy; do
  for s in $SERVICES; do
    pid_alive "$RUN/$s.pid" || fail_start "$LOGDIR/$s.log" "$s exited during startup (logs in $LOGDIR)"
  done
  [ "$(date +%s)" -lt "$deadline" ] || fail_start /dev/null "not healthy after ${START_TIMEOUT}s (logs in $LOGDIR)"
  sleep 0.2
done
T2=$(date +%s.%N)
log "healthy: start->healthy $(awk "BEGIN{printf \"%.1f\", $T2-$T1}")s, script total $(awk "BEGIN{printf \"%.1f\", $T2-$T0}")s"
print_endpoints
