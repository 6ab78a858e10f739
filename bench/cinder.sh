#!/usr/bin/env bash
# The real OpenStack Cinder and Coffer behind the same `cinder` commands, side by side:
#
#   full backup, incremental after scattered writes, and restore into a new volume, of a 4 GiB
#   volume holding a PostgreSQL 15 cluster (ext4 inside the volume, pgbench data, stopped
#   cleanly; the incremental follows `pgbench -c 4 -t PG_TXNS` and a clean stop). Both store into
#   the same test Swift (scripts/swift-up.sh, tempauth), each in its own container. Reported: wall
#   time from `cinder backup-create` / `backup-restore` to `available`, bytes stored (the
#   container's X-Container-Bytes-Used), requests to Swift (the proxy's log lines for the
#   container), the backup process's peak RSS, and whether the restore is bit for bit.
#
# Real Cinder here: Debian 12's cinder-api, cinder-scheduler, cinder-volume and cinder-backup
# (21.3, Antelope), RabbitMQ, a sqlite database (WAL), auth_strategy noauth_include_project_id,
# cinder-backup's default Swift driver (zlib, 50 MiB objects, 32 KiB SHA blocks) with single_user
# tempauth. Its volume backend is the NFS driver on a share that is already mounted (a bind mount
# at the driver's mount point): this machine's kernel has no device mapper (LVM), no iSCSI
# initiator or target, no NBD and no NFS, so the LVM + iSCSI backend the issue names cannot run
# here. cinder-backup reads and writes the volume's file through os-brick's NFS connector, as it
# would on an NFS share; the chunked backup driver, which is what is measured, is the same.
#
#   bench/cinder.sh                      root; ~20 GB free under BENCH_DIR; installs the packages
#   PG_SCALE=150 PG_TXNS=2000 VOLUME_GIB=4 BENCH_DIR=/var/tmp/coffer-bench-cinder bench/cinder.sh
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
W=${BENCH_DIR:-/var/tmp/coffer-bench-cinder}
GIB=${VOLUME_GIB:-4}
PG_SCALE=${PG_SCALE:-150}
PG_TXNS=${PG_TXNS:-2000}
PROJECT=c0ffee00c0ffee00c0ffee00c0ffee00
CINDER_PORT=8786 COFFER_PORT=${COFFER_CINDER_PORT:-8776}
[ "$(id -u)" = 0 ] || { echo "bench/cinder.sh: needs root (packages, loop mounts, bind mounts)" >&2; exit 1; }
export PATH="$PATH:/usr/sbin:/sbin"
unset COFFER_PASSWORD COFFER_URL COFFER_TOKEN OS_AUTH_URL OS_TOKEN || true
log() { printf '[cinder-bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------- packages
need=()
for p in cinder-api cinder-scheduler cinder-volume cinder-backup rabbitmq-server nfs-common dmidecode python3-cinderclient \
         postgresql-15 e2fsprogs curl; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  policy=/usr/sbin/policy-rc.d; made=no
  # the packages would start system-wide services: these are private, so forbid that
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; made=yes; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >"$W.install.log" 2>&1 ||
    { DEBIAN_FRONTEND=noninteractive apt-get update -q >>"$W.install.log" 2>&1 &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >>"$W.install.log" 2>&1; } ||
    { [ $made = yes ] && rm -f "$policy"; tail -20 "$W.install.log" >&2; die "cannot install ${need[*]}"; }
  [ $made = yes ] && rm -f "$policy"
fi

# ---------------------------------------------------------------- the test Swift
eval "$(bash "$root/scripts/swift-up.sh" 2>/dev/null | grep -E '^[A-Z0-9_]+=')"
[ -n "${SWIFT_AUTH_URL:-}" ] || die "scripts/swift-up.sh gave no Swift"
SWIFT_LOG=${SWIFT_AIO_DIR:-/tmp/coffer-swift}/log/proxy.log
swift_token() { curl -fsSi -H "X-Auth-User: $SWIFT_USER" -H "X-Auth-Key: $SWIFT_KEY" "$SWIFT_AUTH_URL" | awk -F': ' 'tolower($1)=="x-auth-token"{print $2}' | tr -d '\r'; }
# What a step sent to Swift, from the proxy's log (container stats lag behind): the requests for a
# container, and the bytes its successful PUTs carried. Fields: 5 method, 6 path, 8 status, 12 bytes received.
swift_mark() { wc -l <"$SWIFT_LOG"; }
swift_since() { # MARK CONTAINER -> "REQUESTS BYTES"
  sleep 1
  tail -n +"$(( $1 + 1 ))" "$SWIFT_LOG" | awk -v c="/v1/AUTH_test/$2" '
    index($6, c "/") == 1 || index($6, c "%3F") == 1 || $6 == c { n++; if ($5 == "PUT" && $8 ~ /^2/ && $12 ~ /^[0-9]+$/) b += $12 }
    END { printf "%d %d\n", n, b }'
}

# ---------------------------------------------------------------- clean slate
PIDS=()
MOUNTS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -- -"$p" 2>/dev/null || kill "$p" 2>/dev/null || true; done
  for m in "${MOUNTS[@]}"; do umount -l "$m" 2>/dev/null || true; done
  [ -f "$W/rabbit/pid" ] && RABBITMQ_PID_FILE="$W/rabbit/pid" rabbitmqctl -n rabbit@localhost stop >/dev/null 2>&1 || true
}
trap cleanup EXIT
for m in $(awk -v w="$W" 'index($2, w) == 1 {print $2}' /proc/mounts | sort -r); do umount -l "$m" || true; done
rm -rf "$W"
mkdir -p "$W"/{state,log,lock,share,rabbit,coffer,mnt,pgsock}
chown postgres "$W/pgsock"

# ---------------------------------------------------------------- RabbitMQ (private)
chown -R rabbitmq:rabbitmq "$W/rabbit"
echo '[].' >"$W/rabbit/enabled_plugins"
( export HOME="$W/rabbit" RABBITMQ_MNESIA_BASE="$W/rabbit/mnesia" RABBITMQ_LOG_BASE="$W/rabbit/log" RABBITMQ_NODENAME=rabbit@localhost \
    RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT=5672 RABBITMQ_DIST_PORT=25672 RABBITMQ_PID_FILE="$W/rabbit/pid" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$W/rabbit/enabled_plugins" ERL_EPMD_ADDRESS=127.0.0.1
  setsid rabbitmq-server >"$W/log/rabbitmq.out" 2>&1 & )
for _ in $(seq 90); do HOME="$W/rabbit" rabbitmqctl -n rabbit@localhost status >/dev/null 2>&1 && break; sleep 1; done
HOME="$W/rabbit" rabbitmqctl -n rabbit@localhost status >/dev/null 2>&1 || die "RabbitMQ did not start ($W/log/rabbitmq.out)"

# ---------------------------------------------------------------- Cinder
SHARE=127.0.0.1:/srv/cinder-share
echo "$SHARE" >"$W/nfs_shares"
MNT="$W/state/mnt/$(printf '%s' "$SHARE" | md5sum | cut -d' ' -f1)"   # os-brick's mount point for the share
mkdir -p "$MNT"
mount --bind "$W/share" "$MNT"; MOUNTS+=("$MNT")
cat >"$W/cinder.conf" <<EOF
[DEFAULT]
auth_strategy = noauth_include_project_id
state_path = $W/state
log_dir = $W/log
transport_url = rabbit://guest:guest@127.0.0.1:5672/
osapi_volume_listen = 127.0.0.1
osapi_volume_listen_port = $CINDER_PORT
osapi_volume_workers = 1
my_ip = 127.0.0.1
host = cinderbench
enabled_backends = nfs
rootwrap_config = /etc/cinder/rootwrap.conf
api_paste_config = /etc/cinder/api-paste.ini
backup_driver = cinder.backup.drivers.swift.SwiftBackupDriver
backup_swift_auth = single_user
backup_swift_auth_version = 1
backup_swift_url = ${SWIFT_STORAGE_URL%AUTH_*}AUTH_
backup_swift_auth_url = $SWIFT_AUTH_URL
backup_swift_user = $SWIFT_USER
backup_swift_key = $SWIFT_KEY
[database]
connection = sqlite:///$W/state/cinder.db
[oslo_concurrency]
lock_path = $W/lock
[nfs]
volume_backend_name = nfs
volume_driver = cinder.volume.drivers.nfs.NfsDriver
nfs_shares_config = $W/nfs_shares
nfs_mount_point_base = $W/state/mnt
nfs_sparsed_volumes = true
nfs_snapshot_support = true
nas_secure_file_operations = false
nas_secure_file_permissions = false
EOF
cinder-manage --config-file "$W/cinder.conf" db sync >"$W/log/db-sync.log" 2>&1 || die "cinder-manage db sync failed ($W/log/db-sync.log)"
# sqlite in WAL mode: four services share it, and readers must not lock writers out
python3 -c "import sqlite3,sys; sqlite3.connect(sys.argv[1]).execute('PRAGMA journal_mode=WAL')" "$W/state/cinder.db"
for s in api scheduler volume backup; do
  setsid "cinder-$s" --config-file "$W/cinder.conf" >"$W/log/$s.out" 2>&1 &
  PIDS+=($!); echo $! >"$W/cinder-$s.pid"
done
cin() { OS_AUTH_TYPE=noauth CINDER_ENDPOINT="$1/v3/$PROJECT" OS_PROJECT_ID=$PROJECT OS_USER_ID=bench OS_VOLUME_API_VERSION=3.60 cinder "${@:2}"; }
CINDER=http://127.0.0.1:$CINDER_PORT
for _ in $(seq 120); do
  [ "$(cin "$CINDER" service-list 2>/dev/null | grep -c ' up ')" = 3 ] && break; sleep 1
done
[ "$(cin "$CINDER" service-list 2>/dev/null | grep -c ' up ')" = 3 ] || { cin "$CINDER" service-list >&2 || true; die "Cinder's services did not come up ($W/log)"; }
log "Cinder up: $(cin "$CINDER" service-list | grep -c ' up ') services"

# ---------------------------------------------------------------- Coffer
cat >"$W/coffer/coffer.properties" <<EOF
repository.default=swift
repository.swift=swift://{container}/coffer
repository.swift.auth_url=$SWIFT_AUTH_URL
repository.swift.user=$SWIFT_USER
repository.swift.key=$SWIFT_KEY
EOF
"$root/coffer" --version >/dev/null   # builds Coffer if needed
# the server runs a copy of the jar: a build during the run must not pull classes from under it
cp "$root/coffer-app/target/coffer.jar" "$W/coffer.jar"
export COFFER_JAR="$W/coffer.jar"
setsid "$root/coffer" server --data-dir "$W/coffer" --listen "127.0.0.1:$COFFER_PORT" >"$W/log/coffer.out" 2>&1 &
COFFER_PID=$!
PIDS+=($COFFER_PID)
COFFER=http://127.0.0.1:$COFFER_PORT
for _ in $(seq 300); do curl -fs "$COFFER/health" >/dev/null && break; sleep 0.2; done
curl -fs "$COFFER/health" >/dev/null || die "coffer server did not start ($W/log/coffer.out)"

# ---------------------------------------------------------------- the data: ext4 with a PostgreSQL cluster
PGBIN=/usr/lib/postgresql/15/bin
SRC="$W/source.img"
truncate -s "${GIB}G" "$SRC"
mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$SRC"
pg_on() { # the cluster in the image, started, CMD run, stopped cleanly
  mount -o loop "$SRC" "$W/mnt"
  chown postgres "$W/mnt"
  [ -d "$W/mnt/data" ] || runuser -u postgres -- "$PGBIN/initdb" --data-checksums -D "$W/mnt/data" >/dev/null
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$W/mnt/data" -o "-k $W/pgsock -p 5498 -c listen_addresses=''" -w -l "$W/pgsock/pg.log" start >/dev/null
  runuser -u postgres -- "$PGBIN/pgbench" -h "$W/pgsock" -p 5498 "$@" postgres >>"$W/log/pgbench.log" 2>&1
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$W/mnt/data" -m fast -w stop >/dev/null
  umount "$W/mnt"
}
log "making the data: pgbench -i -s $PG_SCALE in a ${GIB} GiB ext4 volume"
pg_on -i -s "$PG_SCALE"
DATA_BYTES=$(du -B1 --apparent-size -s "$SRC" | cut -f1)
ALLOC_BYTES=$(du -B1 -s "$SRC" | cut -f1)

# ---------------------------------------------------------------- helpers
api() { curl -fsS -H "X-Auth-Token: bench:$PROJECT" -H "OpenStack-API-Version: volume 3.60" "$1/v3/$PROJECT/$2"; }
field() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
await() { # URL KIND ID: until available (or error)
  local s
  for _ in $(seq 36000); do
    [ "$1" = "$COFFER" ] && ! kill -0 "$COFFER_PID" 2>/dev/null && die "the coffer server died ($W/log/coffer.out)"
    s=$(api "$1" "$2s/$3" | field "['$2']['status']")
    case "$s" in available) return 0 ;; error*) die "$2 $3 ended $s at $1" ;; esac
    sleep 0.2
  done
  die "$2 $3 not available after 2 hours"
}
volume_path() { # URL ID
  if [ "$1" = "$CINDER" ]; then echo "$W/share/volume-$2"
  else curl -fsS "$COFFER/api/v1/volumes/$2" | field "['volume']['path']"; fi
}
elapsed() { awk -v a="$(date +%s.%N)" -v b="$1" 'BEGIN { printf "%.2f", a - b }'; }
drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true; }
hwm() { awk '/VmHWM/ {print int($2/1024)}' "/proc/$1/status" 2>/dev/null || echo -; }
reset_hwm() { echo 5 >"/proc/$1/clear_refs" 2>/dev/null || true; }
backup_pid() { if [ "$1" = "$CINDER" ]; then cat "$W/cinder-backup.pid"; else pgrep -f "java.*server --data-dir $W/coffer" | head -1; fi; }
RES="$W/results.tsv"; : >"$RES"
row() { printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$RES"; }

declare -A VOL FULL INCR
for who in cinder coffer; do
  url=$CINDER; [ $who = coffer ] && url=$COFFER
  type=(); [ $who = coffer ] && type=(--volume-type image)
  VOL[$who]=$(cin "$url" create "$GIB" --name pg "${type[@]}" | awk -F'|' '$2~/^ id /{gsub(/ /,"",$3); print $3}')
  await "$url" volume "${VOL[$who]}"
  cp --sparse=always "$SRC" "$(volume_path "$url" "${VOL[$who]}")"
done

measure_backup() { # WHO KIND (full|incremental) -> backup id
  local who=$1 kind=$2 url=$CINDER pid before t0 id args=()
  [ "$who" = coffer ] && url=$COFFER
  [ "$kind" = incremental ] && args=(--incremental)
  pid=$(backup_pid "$url"); reset_hwm "$pid"
  mark=$(swift_mark)
  drop_caches
  t0=$(date +%s.%N)
  id=$(cin "$url" backup-create --name "$kind" --container "bench-$who" "${args[@]}" pg | awk -F'|' '$2~/^ id /{gsub(/ /,"",$3); print $3}')
  await "$url" backup "$id"
  secs=$(elapsed "$t0")
  read -r reqs bytes < <(swift_since "$mark" "bench-$who")
  row "$who" "$kind backup" "$secs" "$bytes" "$reqs" "$(hwm "$pid")"
  echo "$id"
}

log "full backups"
for who in cinder coffer; do FULL[$who]=$(measure_backup $who full); done

log "scattered writes: pgbench -c 4 -t $PG_TXNS"
pg_on -c 4 -t "$PG_TXNS"
for who in cinder coffer; do
  url=$CINDER; [ $who = coffer ] && url=$COFFER
  cp --sparse=always "$SRC" "$(volume_path "$url" "${VOL[$who]}")"
done
log "incremental backups"
for who in cinder coffer; do INCR[$who]=$(measure_backup $who incremental); done

log "restores into new volumes"
WANT=$(sha256sum "$SRC" | cut -d' ' -f1)
for who in cinder coffer; do
  url=$CINDER; [ $who = coffer ] && url=$COFFER
  type=(); [ $who = coffer ] && type=(--volume-type image)
  target=$(cin "$url" create "$GIB" --name restored "${type[@]}" | awk -F'|' '$2~/^ id /{gsub(/ /,"",$3); print $3}')
  await "$url" volume "$target"
  pid=$(backup_pid "$url"); reset_hwm "$pid"
  mark=$(swift_mark)
  drop_caches
  t0=$(date +%s.%N)
  cin "$url" backup-restore --volume "$target" "${INCR[$who]}" >/dev/null
  sleep 0.5
  await "$url" volume "$target"
  secs=$(elapsed "$t0")
  got=$(sha256sum "$(volume_path "$url" "$target")" | cut -d' ' -f1)
  [ "$got" = "$WANT" ] && same=yes || same=NO
  read -r reqs bytes < <(swift_since "$mark" "bench-$who")
  row "$who" "restore (bit for bit: $same)" "$secs" - "$reqs" "$(hwm "$pid")"
done

# ---------------------------------------------------------------- report
OUT="$here/results/cinder-$(date +%F).md"
{
  echo
  echo "## $(date -u '+%F %H:%M UTC'): ${GIB} GiB volume, PostgreSQL 15 pgbench -s $PG_SCALE, incremental after -c 4 -t $PG_TXNS"
  echo
  echo "Volume: $(numfmt --to=iec "$DATA_BYTES") apparent, $(numfmt --to=iec "$ALLOC_BYTES") allocated. Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%d GiB", $2/1048576}' /proc/meminfo)."
  echo "Cinder $(dpkg-query -W -f '${Version}' cinder-volume) (NFS driver on a pre-mounted share; Swift backup driver, zlib), Coffer $(git -C "$root" rev-parse --short HEAD) (its Cinder API; an \`image\` volume; a Swift repository, zstd). Same \`cinder\` commands, same Swift."
  echo
  python3 - "$RES" <<'PY'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
by = {}
for who, what, secs, stored, reqs, rss in rows:
    by.setdefault(what.split(" (")[0], {})[who] = (what, float(secs), stored, reqs, rss)
def mib(b): return "-" if b in ("-", "") else f"{int(b) / 1048576:,.0f} MiB"
print("| step | Cinder s | Coffer s | speed-up | Cinder stored | Coffer stored | Swift requests Cinder / Coffer | peak RSS Cinder / Coffer |")
print("|---|---|---|---|---|---|---|---|")
for step, d in by.items():
    c, k = d.get("cinder"), d.get("coffer")
    if not c or not k: continue
    label = step + ("" if step != "restore" else " " + " / ".join(x[0][len("restore "):] for x in (c, k)))
    stored_c, stored_k = mib(c[2]), mib(k[2])
    print(f"| {label} | {c[1]:.1f} | {k[1]:.1f} | {c[1] / k[1]:.1f}x | {stored_c} | {stored_k} | {c[3]} / {k[3]} | {c[4]} / {k[4]} MiB |")
PY
  echo
  echo "Stored: the bytes the step's successful PUTs to its container carried (from the Swift proxy's log). Requests: the step's requests to the container. Peak RSS: cinder-backup's process and the coffer server's, during the step."
} | tee -a "$OUT"
log "appended to $OUT"
