#!/usr/bin/env bash
# The service's own costs, measured on a running `coffer server`:
#
#  1. Snapshot latency and freeze window of 1 GiB volumes that an application is writing to
#     (a writer does 64 KiB write+fsync in a loop and logs every latency): an `image` volume
#     holding a mounted ext4, and a `dir` volume. Reflink path: the data directory on a
#     loop-mounted XFS (reflink=1). Fallback path: the data directory on the plain filesystem.
#     Reported per path: the snapshot's duration_ms and freeze_ms as the server records them,
#     and the writer's worst write latency while the snapshot ran (what the application saw).
#  2. Backup and restore of the same ~1.2 GiB through the service (`coffer backup create --wait`,
#     `coffer backup restore --wait`) and through the offline CLI (`coffer repo backup|restore`),
#     each into a fresh repository, alternating, median of RUNS. Target: at most 10% overhead.
#
#   bench/service.sh                     needs root (loop mounts), ~12 GB free under BENCH_DIR
#   RUNS=5 BENCH_DIR=/var/tmp/x bench/service.sh
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
W=${BENCH_DIR:-/var/tmp/coffer-bench-service}
RUNS=${RUNS:-3}
SNAPS=${SNAPS:-5}
PARTS=${BENCH_PARTS:-"snapshots service"}   # one of them re-measures only that part
[ "$(id -u)" = 0 ] || { echo "bench/service.sh: needs root (loop devices and mounts)" >&2; exit 1; }
for t in mkfs.xfs:xfsprogs mkfs.ext4:e2fsprogs /usr/bin/time:time curl:curl python3:python3; do
  command -v "${t%%:*}" >/dev/null 2>&1 || PATH="$PATH:/usr/sbin:/sbin" command -v "${t%%:*}" >/dev/null 2>&1 \
    || { echo "bench: installing ${t##*:}" >&2; DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${t##*:}" >/dev/null; }
done
export PATH="$PATH:/usr/sbin:/sbin"
unset COFFER_PASSWORD COFFER_URL COFFER_TOKEN
"$root/coffer" --version >/dev/null   # builds Coffer if needed
mkdir -p "$W"
cp "$root/coffer-app/target/coffer.jar" "$W/coffer.jar"
export COFFER_JAR="$W/coffer.jar"
C="$root/coffer"
# The JVM's ahead-of-time cache for this jar (Java 25+) is trained now, not in the background
# during a measurement.
COFFER_AOT=sync "$root/coffer" --version >/dev/null
RES="$W/results.tsv"; touch "$RES"
forget() { grep -v "^$1	" "$RES" > "$RES.tmp" || true; mv "$RES.tmp" "$RES"; }
MOUNTS=(); SERVER=
cleanup() {
  [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null && wait "$SERVER" 2>/dev/null || true
  for m in "${MOUNTS[@]}"; do fsfreeze --unfreeze "$m" 2>/dev/null || true; umount -l "$m" 2>/dev/null || true; done
  [ -n "${WRITER:-}" ] && kill "$WRITER" 2>/dev/null || true
}
trap cleanup EXIT
drop_caches() { sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true; }
now() { date +%s.%N; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print(d$1)"; }

start_server() { # DATA_DIR
  local port; port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  export COFFER_URL="http://127.0.0.1:$port"
  "$C" server --data-dir "$1" --listen "127.0.0.1:$port" >"$W/server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 300); do curl -fs "$COFFER_URL/health" >/dev/null && return; sleep 0.1; done
  echo "bench: server did not start, see $W/server.log" >&2; exit 1
}
stop_server() { kill "$SERVER"; wait "$SERVER" || true; SERVER=; }
fill() { # DIR MiB: text and random files, like a database's mix
  python3 - "$1" "$2" <<'PY'
import os, random, sys
d, mib = sys.argv[1], int(sys.argv[2]); r = random.Random(1)
for i in range(mib // 16):
    with open(os.path.join(d, f"data{i:03d}"), "wb") as f:
        if i % 2: f.write(os.urandom(16 << 20))
        else: f.write(b"".join(b"row %d value %d\n" % (r.randrange(10**6), r.randrange(50)) for _ in range(16 << 20 >> 4))[:16 << 20])
PY
}
WRITER_PY='
import os, sys, time
path, log = sys.argv[1], sys.argv[2]
fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644); buf = os.urandom(65536); off = 0
with open(log, "w", buffering=1) as out:
    while True:
        t = time.time(); os.pwrite(fd, buf, off); os.fsync(fd); d = time.time() - t
        out.write(f"{t:.6f} {d:.6f}\n"); off = (off + 65536) % (64 << 20)
'

# ---- 1. snapshots under writes -------------------------------------------------------------
snapshots() { # PATH_LABEL DATA_DIR
  local label=$1 data=$2
  start_server "$data"
  for driver in image dir; do
    local name="$label-$driver" vpath mnt target
    vpath=$("$C" volume create "$name" --size 1GiB --driver "$driver" -o json | json '["path"]')
    if [ "$driver" = image ]; then
      mkfs.ext4 -q -F "$vpath"; mnt="$W/mnt-$name"; mkdir -p "$mnt"
      mount -o loop "$vpath" "$mnt"; MOUNTS+=("$mnt"); target=$mnt
    else target=$vpath; fi
    fill "$target" 704; sync
    python3 -c "$WRITER_PY" "$target/writer.dat" "$W/writer-$name.log" & WRITER=$!
    sleep 2
    for i in $(seq "$SNAPS"); do
      local t0 t1 out; t0=$(now)
      out=$("$C" snapshot create "$name" --wait -q -o json)
      t1=$(now)
      printf 'snap\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$driver" "$(echo "$out" | json '["method"]')" \
        "$(echo "$out" | json '["duration_ms"]')" "$(echo "$out" | json '["freeze_ms"]')" "$t0" "$t1" >> "$RES"
      "$C" snapshot delete "$(echo "$out" | json '["id"]')" -q >/dev/null
      sleep 1
    done
    kill "$WRITER"; wait "$WRITER" 2>/dev/null || true; WRITER=
    [ "$driver" = image ] && umount "$mnt"
  done
  stop_server
}
if [[ " $PARTS " == *" snapshots "* ]]; then
forget snap
rm -rf "$W/xfs" "$W/plain"; mkdir -p "$W/xfs" "$W/plain"
for m in $(findmnt -n -o TARGET | grep "^$W/" || true); do umount -l "$m"; done
truncate -s 8G "$W/xfs.img"; mkfs.xfs -q -f -m reflink=1 "$W/xfs.img"
mount -o loop "$W/xfs.img" "$W/xfs"; MOUNTS+=("$W/xfs")
echo "bench: snapshots, reflink path" >&2; snapshots reflink "$W/xfs/data"
echo "bench: snapshots, fallback path" >&2; snapshots fallback "$W/plain/data"
umount "$W/xfs"; rm -f "$W/xfs.img"
fi

# ---- 2. service vs offline CLI ------------------------------------------------------------
if [[ " $PARTS " == *" service "* ]]; then
forget svc
echo "bench: service vs offline CLI" >&2
rm -rf "$W/plain"; start_server "$W/plain/data"
vpath=$("$C" volume create src --size 4GiB -o json | json '["path"]')
cp -a /usr/share "$vpath/share"; cp -a /usr/lib/x86_64-linux-gnu "$vpath/lib"
logical=$(du -sb "$vpath" | cut -f1)
timed() { # OP TOOL CMD...
  local op=$1 tool=$2; shift 2
  drop_caches
  /usr/bin/time -f "%e %M" -o "$W/time" "$@" >"$W/out" 2>"$W/err" || { cat "$W/err" >&2; exit 1; }
  read -r wall rss < "$W/time"
  local srss=0; [ "$tool" = service ] && srss=$(awk '/VmHWM/{print $2}' "/proc/$SERVER/status")
  printf 'svc\t%s\t%s\t%s\t%s\t%s\n' "$op" "$tool" "$wall" "$rss" "$srss" >> "$RES"
  echo "bench: $op $tool ${wall}s" >&2
}
for i in $(seq "$RUNS"); do
  rm -rf "$W/offline-repo" "$W/offline-restore"
  "$C" repo init --repo "$W/offline-repo" -q
  timed backup offline "$C" repo backup --repo "$W/offline-repo" -q "$vpath"
  timed restore offline "$C" repo restore --repo "$W/offline-repo" -q --allow-external-symlinks latest "$W/offline-restore"
  timed backup service "$C" backup create src --container "run$i" --wait -q -o json
  bid=$(json '["id"]' < "$W/out")
  timed restore service "$C" backup restore "$bid" --name "restored$i" --wait -q -o json
  diff -rq --no-dereference "$vpath" "$W/offline-restore" >/dev/null || { echo "bench: offline restore differs" >&2; exit 1; }
  diff -rq --no-dereference "$vpath" "$(json '["path"]' < "$W/out")" >/dev/null || { echo "bench: service restore differs" >&2; exit 1; }
  "$C" volume delete "restored$i" -q
done
stop_server
fi

# ---- report ---------------------------------------------------------------------------------
python3 - "$RES" "$W" "$logical" "$RUNS" <<'PY' | tee "$here/results/service-latest.md"
import statistics as st, sys, os, glob
res, W, logical, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
rows = [l.rstrip("\n").split("\t") for l in open(res)]
def writer_max(label, driver, t0, t1):
    worst = 0.0
    for line in open(os.path.join(W, f"writer-{label}-{driver}.log")):
        t, d = map(float, line.split())
        if t0 - 1 <= t <= t1: worst = max(worst, d)
    return worst * 1000
print("## Snapshots of a 1 GiB volume under a write+fsync workload\n")
print("| path | volume | method | snapshots | duration ms (median / max) | freeze ms (median / max) | writer's worst write ms (median / max) |")
print("|---|---|---|---|---|---|---|")
groups = {}
for r in rows:
    if r[0] == "snap": groups.setdefault((r[1], r[2], r[3]), []).append(r)
for (label, driver, method), rs in groups.items():
    dur = [float(r[4]) for r in rs]
    fr = [float(r[5]) for r in rs if r[5] not in ("None", "")]
    wm = [writer_max(label, driver, float(r[6]), float(r[7])) for r in rs]
    f = f"{st.median(fr):.0f} / {max(fr):.0f}" if fr else "none (no filesystem of its own to freeze)"
    print(f"| {label} | {driver} | {method} | {len(rs)} | {st.median(dur):.0f} / {max(dur):.0f} | {f} | {st.median(wm):.0f} / {max(wm):.0f} |")
print(f"\n## Backup and restore through the service vs the offline CLI ({logical / 2**30:.2f} GiB, {runs} runs, median)\n")
print("| operation | offline s | service s | service / offline | offline CLI peak RSS MiB | server peak RSS MiB |")
print("|---|---|---|---|---|---|")
for op in ("backup", "restore"):
    off = [r for r in rows if r[0] == "svc" and r[1] == op and r[2] == "offline"]
    svc = [r for r in rows if r[0] == "svc" and r[1] == op and r[2] == "service"]
    o, s = st.median(float(r[3]) for r in off), st.median(float(r[3]) for r in svc)
    print(f"| {op} | {o:.2f} | {s:.2f} | {s / o:.2f} | {max(int(r[4]) for r in off) // 1024} | {max(int(r[5]) for r in svc) // 1024} |")
PY
