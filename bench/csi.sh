#!/usr/bin/env bash
# Coffer's CSI driver against the hostpath driver's way, in one run, on one volume of PostgreSQL:
#
#   snapshots cut through CSI while pgbench writes (crash: a reflink clone of the published volume;
#   application: the same with PostgreSQL in backup mode, the class parameter consistency:
#   application), with the call's time, the freeze window the driver records and the worst
#   transaction in flight during each cut; then a database restored from a snapshot to ready
#   (CreateVolume from the snapshot, NodePublishVolume, PostgreSQL started and answering). Beside
#   them, csi-driver-host-path's way on the same data: its snapshot is `tar czf` of the volume's
#   directory, its restore `tar xzf`, then the same start.
#
# Everything lives on an XFS file system with reflink (a loop image) so that snapshots are clones;
# BENCH_FS=btrfs puts it on btrfs instead, where a volume is a subvolume and a snapshot a
# subvolume snapshot.
# The report goes to bench/results/csi-DATE.md.
#
#   bench/csi.sh                                   root; ~30 GB free under BENCH_DIR
#   PG_SCALE=270 LOAD_SECONDS=60 BENCH_DIR=/var/tmp/coffer-bench-csi bench/csi.sh
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
W=${BENCH_DIR:-/var/tmp/coffer-bench-csi}
PG_SCALE=${PG_SCALE:-270}
LOAD_SECONDS=${LOAD_SECONDS:-60}
PORT=${COFFER_BENCH_PORT:-8197}
[ "$(id -u)" = 0 ] || { echo "bench/csi.sh: needs root (loop mounts, bind mounts, runuser)" >&2; exit 1; }
export PATH="$PATH:/usr/sbin:/sbin"
log() { printf '[csi-bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
. "$root/scripts/jdk.sh"
[ -x /usr/lib/postgresql/15/bin/initdb ] || die "PostgreSQL 15 is needed (apt-get install postgresql-15)"
/usr/bin/python3 -c 'import grpc' 2>/dev/null || die "python3-grpcio is needed (apt-get install python3-grpcio)"
FS=${BENCH_FS:-xfs}   # xfs: reflink clones; btrfs: volumes are subvolumes, snapshots subvolume snapshots
case $FS in
  xfs) command -v mkfs.xfs >/dev/null || die "mkfs.xfs is needed (apt-get install xfsprogs)" ;;
  btrfs) command -v mkfs.btrfs >/dev/null || die "mkfs.btrfs is needed (apt-get install btrfs-progs)" ;;
  *) die "BENCH_FS must be xfs or btrfs" ;;
esac
[ -f "$root/coffer-app/target/coffer.jar" ] || die "build first: mvn -q -o install -DskipTests"

cleanup() {
  [ -n "${SERVER_PID:-}" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  for d in "$W"/fs/pods/* "$W"/fs/hostpath-restored/data "$W"/fs/pods/*/data; do
    [ -f "$d/postmaster.pid" ] && runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$d" -m immediate stop >/dev/null 2>&1 || true
  done
  for m in $(awk -v w="$W" 'index($2, w) == 1 {print $2}' /proc/mounts | sort -r); do umount -l "$m" 2>/dev/null || true; done
  losetup -j "$W/xfs.img" 2>/dev/null | cut -d: -f1 | xargs -r -n1 losetup -d 2>/dev/null || true
}
trap cleanup EXIT
cleanup
rm -rf "$W"; mkdir -p "$W/fs" "$W/log"
truncate -s 40G "$W/xfs.img"
if [ "$FS" = xfs ]; then mkfs.xfs -q -m reflink=1 "$W/xfs.img"; else mkfs.btrfs -q "$W/xfs.img"; fi
mount -o loop "$W/xfs.img" "$W/fs"
cp "$root/coffer-app/target/coffer.jar" "$W/coffer.jar"   # a rebuild of the tree cannot change what runs
/usr/bin/python3 -c "import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(\"io/coffer/csi/csi.desc\"))" "$W/coffer.jar" >"$W/csi.desc"

log "starting coffer server (CSI on $W/csi.sock, data on $FS)"
"$JAVA_HOME/bin/java" -jar "$W/coffer.jar" server --data-dir "$W/fs/coffer" --listen "127.0.0.1:$PORT" --csi-endpoint "unix://$W/csi.sock" \
  --node-id bench-node >"$W/log/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 300); do curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null || { tail -20 "$W/log/server.log" >&2; die "the server did not start"; }

log "running: pgbench -i -s $PG_SCALE, snapshots under ${LOAD_SECONDS} s of load, restores to ready"
out=$(/usr/bin/python3 "$here/csi_bench.py" --endpoint "unix://$W/csi.sock" --descriptor "$W/csi.desc" --rest "http://127.0.0.1:$PORT" \
  --workdir "$W/fs" --scale "$PG_SCALE" --load-seconds "$LOAD_SECONDS") || { tail -30 "$W/log/server.log" >&2; die "the bench failed"; }

day=$(date -u +%Y-%m-%d)
result="$here/results/csi-$day.md"
[ -f "$result" ] || printf '# CSI snapshots and restore to ready (bench/csi.sh)\n' >"$result"
{
  printf '\n## Run of %s\n\n' "$(date -u '+%Y-%m-%d %H:%M UTC')"
  if [ "$FS" = xfs ]; then fsdesc="XFS with reflink"; else fsdesc="btrfs (volumes are subvolumes)"; fi
  printf 'Machine: %s cores, %s GiB; %s on a loop image; PostgreSQL 15; Coffer %s.\n\n' "$(nproc)" \
    "$(awk '/MemTotal/ {printf "%d", $2/1048576}' /proc/meminfo)" "$fsdesc" "$(git -C "$root" rev-parse --short HEAD)"
  printf '%s\n' "$out"
} >>"$result"
log "report appended to $result"
printf '%s\n' "$out"
