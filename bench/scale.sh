#!/usr/bin/env bash
# Coffer at the sizes users have: how peak memory and time grow with the data, and a real
# PostgreSQL cluster of 20 GB beside pgBackRest and restic. Takes about an hour; run it in the
# background (nohup bench/scale.sh > scale.log 2>&1 &). Needs root and about 75 GB free (the
# cluster and the small files stay; 40 GB more while the 20 GiB page set is measured).
#
#   pages  incompressible 8 KiB database pages (base/16384/<1 GiB segments>) at 2, 5, 10 and 20 GiB,
#          Coffer alone, default settings: full backup, check, restore (the curve of RSS and time)
#   pg     PostgreSQL 15, data checksums, pgbench -i -s $PG_SCALE (1400: about 21 GB), stopped:
#          full backup; pgbench -c 4 -T $PG_SECONDS, checkpoint, stop; incremental; restore of the
#          incremental into an empty directory. Coffer, pgBackRest 2.45 (process-max=2, zst level 1,
#          bundles, offline) and restic (compression auto)
#   pg_service  the same cluster (as it is after the pgbench run) as a volume of a running
#          `coffer server`: `coffer backup create --wait`, `coffer backup restore --wait` into a new
#          volume; wall time of the client, CPU and peak RSS of the server
#   pg_swift  the same cluster to the test Swift (scripts/swift-up.sh): Coffer through Swift's S3
#          API and its Swift API, restic through its Swift backend; full backup and restore
#   small  2,000,000 files of 0.5-4 KiB in 20,000 directories, Coffer alone: full, no-change, restore
#
#   SCALE_SETS="pages" bench/scale.sh      a subset
#   SCALE_SIZES="2 5" bench/scale.sh        page-set sizes in GiB
#   BENCH_DIR=/var/tmp/coffer-scale         where data, repositories and restores go
#   SCALE_PREPARE=1 bench/scale.sh          only make the PostgreSQL cluster and the small files
#                                           (half an hour), for a measured run later
#
# Restores go to plain directories of the bench disk (emptied between runs); page caches are
# dropped before every measurement. Results: bench/results/scale-<date>.md (one log per day; a
# later run of the same day appends).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
W=${BENCH_DIR:-/var/tmp/coffer-scale}
SETS=${SCALE_SETS:-"pages pg pg_service pg_swift small"}
SIZES=${SCALE_SIZES:-"2 5 10 20"}
PG_SCALE=${PG_SCALE:-1400}
PG_SECONDS=${PG_SECONDS:-180}
SMALL_FILES=${SMALL_FILES:-2000000}
mkdir -p "$W/logs" "$here/results"
export RESTIC_PASSWORD=bench COFFER_PASSWORD=bench

need=()
for t in restic:restic pgbackrest:pgbackrest /usr/bin/time:time python3:python3 openssl:openssl; do
  command -v "${t%%:*}" >/dev/null 2>&1 || need+=("${t##*:}")
done
[ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql-15 postgresql-contrib-15)
if [ ${#need[@]} -gt 0 ]; then
  echo "scale: installing ${need[*]}" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null
fi
"$root/coffer" --version >/dev/null   # builds Coffer if needed
cp "$root/coffer-app/target/coffer.jar" "$W/coffer.jar" # edits during the run cannot rebuild it
export COFFER_JAR="$W/coffer.jar"
COFFER="$root/coffer"
COFFER_AOT=sync "$COFFER" --version >/dev/null
commit=$(git -C "$root" rev-parse --short HEAD)
RES="$W/results.tsv"
: > "$RES"

drop_caches() { sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true; }
size_of() { # bytes of the files under $1; 0 where there is nothing (a repository kept elsewhere)
  [ -e "$1" ] || { echo 0; return; }
  find "$1" -type f -printf '%s\n' 2>/dev/null | awk '{s += $1} END {printf "%d\n", s}'
}

# measure SET SIZE OP TOOL REPO CMD... : one row of wall, CPU, peak RSS and bytes added to REPO
measure() {
  local set=$1 gib=$2 op=$3 tool=$4 repo=$5; shift 5
  local before=0; [ -e "$repo" ] && before=$(size_of "$repo")
  drop_caches
  local t="$W/time.$$" log="$W/logs/$set-$gib-$op-$tool.log"
  if ! /usr/bin/time -f "%e %U %S %M" -o "$t" "$@" >"$log" 2>&1; then
    echo "scale: $tool $op on $set $gib FAILED, see $log" >&2; tail -5 "$log" >&2
    printf '%s\t%s\t%s\t%s\tFAILED\t\t\t\n' "$set" "$gib" "$op" "$tool" >> "$RES"
    return 0
  fi
  read -r wall user sys rss < <(tail -n1 "$t")
  local after; after=$(size_of "$repo")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$set" "$gib" "$op" "$tool" "$wall" "$(awk "BEGIN{print $user+$sys}")" "$rss" "$((after - before))" >> "$RES"
  printf 'scale: %-5s %5s %-8s %-10s %8ss  cpu %8ss  rss %6s MiB  stored %s\n' "$set" "$gib" "$op" "$tool" "$wall" \
    "$(awk "BEGIN{print $user+$sys}")" "$((rss / 1024))" "$((after - before))" >&2
}

same_tree() { # SRC DST : the restore must match the source, byte for byte
  if ! diff -r --no-dereference "$1" "$2" >/dev/null 2>&1; then
    echo "scale: restore at $2 DIFFERS from $1" >&2
    return 1
  fi
}

# ---- pages: incompressible pages at growing sizes, Coffer alone -----------------------------
segment() { # N : the bytes of 1 GiB segment N (AES-CTR output: neither compresses nor repeats)
  head -c $((1 << 30)) /dev/zero | openssl enc -aes-128-ctr -nosalt -pass "pass:segment-$1" 2>/dev/null
}
run_pages() {
  local seg="$W/data/segments" last g
  for g in $SIZES; do last=$g; done
  mkdir -p "$seg"
  for g in $SIZES; do
    local d="$W/data/pages-$g" repo="$W/repo/pages-$g" out="$W/restore/pages-$g"
    rm -rf "$d" "$repo" "$out"; mkdir -p "$d/base/16384"
    for ((i = 0; i < g; i++)); do
      [ -s "$seg/$i" ] || segment "$i" > "$seg/$i"
      ln "$seg/$i" "$d/base/16384/$((16400 + i))"
    done
    echo 15 > "$d/PG_VERSION"
    "$COFFER" repo init --repo "$repo" -q >/dev/null
    measure pages "$g" full coffer "$repo" "$COFFER" repo backup --repo "$repo" -q "$d"
    measure pages "$g" check coffer "$repo" "$COFFER" repo check --repo "$repo"
    if [ "$g" = "$last" ]; then
      # the largest size: the source goes before the restore (data, repository and restore at
      # once would not fit), and the restore is compared with the segments made again
      rm -rf "$d" "$seg"
      measure pages "$g" restore coffer "$out" "$COFFER" repo restore --repo "$repo" -q latest "$out"
      for ((i = 0; i < g; i++)); do
        segment "$i" | cmp -s - "$out/base/16384/$((16400 + i))" || echo "scale: restore of pages-$g segment $i DIFFERS" >&2
      done
    else
      measure pages "$g" restore coffer "$out" "$COFFER" repo restore --repo "$repo" -q latest "$out"
      same_tree "$d" "$out" || true
    fi
    rm -rf "$out" "$repo" "$d"
  done
  rm -rf "$seg"
}

# ---- pg: a real cluster of about 20 GB beside pgBackRest and restic -------------------------
PGBIN=/usr/lib/postgresql/15/bin
PGDATA="$W/data/pg/data"
pg_ctl_() { runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PGDATA" -o "-k $W/pgsock -p 5498 -c listen_addresses='' -c max_wal_size=4GB" -w -t 600 -l "$W/logs/pg.log" "$@" >/dev/null; }
make_pg() {
  [ -s "$PGDATA/PG_VERSION" ] && return
  rm -rf "$W/data/pg"; mkdir -p "$W/data/pg" "$W/pgsock"; chown postgres "$W/data/pg" "$W/pgsock"; chmod 777 "$W/logs"
  runuser -u postgres -- "$PGBIN/initdb" --data-checksums -D "$PGDATA" >/dev/null
  pg_ctl_ start
  echo "scale: pgbench -i -s $PG_SCALE (this takes a while)" >&2
  runuser -u postgres -- "$PGBIN/pgbench" -h "$W/pgsock" -p 5498 -i -s "$PG_SCALE" postgres >"$W/logs/pgbench-init.log" 2>&1
  runuser -u postgres -- psql -h "$W/pgsock" -p 5498 -qc checkpoint postgres >/dev/null
  pg_ctl_ stop -m fast
}
pgbr() { runuser -u postgres -- pgbackrest --config="$W/pgbackrest.conf" --stanza=bench "$@"; }
run_pg() {
  make_pg
  local gb; gb=$(du -s --block-size=1G "$PGDATA" | cut -f1)
  echo "scale: pg cluster is $(du -sh "$PGDATA" | cut -f1)" >&2
  rm -rf "$W/repo/pg-"*; mkdir -p "$W/repo/pg-pgbackrest" "$W/pgbr"; chown postgres "$W/repo/pg-pgbackrest" "$W/pgbr"
  cat > "$W/pgbackrest.conf" <<EOF
[global]
repo1-path=$W/repo/pg-pgbackrest
repo1-bundle=y
compress-type=zst
compress-level=1
process-max=2
log-level-console=warn
log-level-file=off
lock-path=$W/pgbr
start-fast=y
[bench]
pg1-path=$PGDATA
pg1-socket-path=$W/pgsock
pg1-port=5498
EOF
  chown postgres "$W/pgbackrest.conf"
  pgbr --no-online stanza-create >/dev/null
  "$COFFER" repo init --repo "$W/repo/pg-coffer" -q >/dev/null
  restic init -q --repository-version 2 -r "$W/repo/pg-restic" >/dev/null
  measure pg "$gb" full coffer "$W/repo/pg-coffer" "$COFFER" repo backup --repo "$W/repo/pg-coffer" -q "$PGDATA"
  measure pg "$gb" full pgbackrest "$W/repo/pg-pgbackrest" runuser -u postgres -- pgbackrest --config="$W/pgbackrest.conf" --stanza=bench --no-online --type=full backup
  measure pg "$gb" full restic "$W/repo/pg-restic" restic -r "$W/repo/pg-restic" -q backup --compression auto "$PGDATA"
  pg_ctl_ start
  runuser -u postgres -- "$PGBIN/pgbench" -h "$W/pgsock" -p 5498 -c 4 -T "$PG_SECONDS" postgres >"$W/logs/pgbench-run.log" 2>&1
  runuser -u postgres -- psql -h "$W/pgsock" -p 5498 -qc checkpoint postgres >/dev/null
  pg_ctl_ stop -m fast
  measure pg "$gb" incr coffer "$W/repo/pg-coffer" "$COFFER" repo backup --repo "$W/repo/pg-coffer" -q "$PGDATA"
  measure pg "$gb" incr pgbackrest "$W/repo/pg-pgbackrest" runuser -u postgres -- pgbackrest --config="$W/pgbackrest.conf" --stanza=bench --no-online --type=incr backup
  measure pg "$gb" incr restic "$W/repo/pg-restic" restic -r "$W/repo/pg-restic" -q backup --compression auto "$PGDATA"
  local out="$W/restore/pg"
  rm -rf "$out"; mkdir -p "$out"
  measure pg "$gb" restore coffer "$out/coffer" "$COFFER" repo restore --repo "$W/repo/pg-coffer" -q latest "$out/coffer"
  same_tree "$PGDATA" "$out/coffer" || true
  rm -rf "$out/coffer"
  mkdir -p "$out/pgbackrest"; chown postgres "$out/pgbackrest"; chmod 700 "$out/pgbackrest"
  measure pg "$gb" restore pgbackrest "$out/pgbackrest" runuser -u postgres -- pgbackrest --config="$W/pgbackrest.conf" --stanza=bench --pg1-path="$out/pgbackrest" restore
  rm -rf "$out/pgbackrest"
  measure pg "$gb" restore restic "$out/restic" restic -r "$W/repo/pg-restic" -q restore latest --target "$out/restic"
  rm -rf "$out/restic" "$W/repo/pg-"* # room for the sets that follow
}

# ---- pg through a running server (d): the cluster as a volume of `coffer server` ------------
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print(d$1)"; }
SERVER= VPATH=
stop_server() { # under set -e: the server's exit status (143) must not end the script
  if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; fi
  SERVER=
}
give_back_pg() { # the cluster was moved into the volume: move it back, whatever happened
  if [ -n "$VPATH" ] && [ -d "$VPATH" ] && [ ! -e "$PGDATA" ]; then mv "$VPATH" "$PGDATA" && mkdir -p "$VPATH"; fi
  VPATH=
}
cpu_of() { awk '{print $14 + $15}' "/proc/$1/stat"; } # utime + stime, in clock ticks
# measure_service SIZE OP CMD... : wall of the client, CPU and peak RSS of the server
measure_service() {
  local gib=$1 op=$2; shift 2
  drop_caches
  local c0; c0=$(cpu_of "$SERVER")
  local t0; t0=$(date +%s.%N)
  if ! "$@" >"$W/logs/pg-service-$op.json" 2>"$W/logs/pg-service-$op.log"; then
    echo "scale: service $op FAILED, see $W/logs/pg-service-$op.log" >&2; tail -5 "$W/logs/pg-service-$op.log" >&2
    printf 'pg\t%s\t%s\tcoffer-server\tFAILED\t\t\t\n' "$gib" "$op" >> "$RES"
    return 1
  fi
  local wall; wall=$(awk "BEGIN{printf \"%.2f\", $(date +%s.%N) - $t0}")
  local cpu; cpu=$(awk "BEGIN{print ($(cpu_of "$SERVER") - $c0) / $(getconf CLK_TCK)}")
  local rss; rss=$(awk '/VmHWM/{print $2}' "/proc/$SERVER/status")
  printf 'pg\t%s\t%s\tcoffer-server\t%s\t%s\t%s\t\n' "$gib" "$op" "$wall" "$cpu" "$rss" >> "$RES"
  printf 'scale: pg    %5s %-8s %-13s %8ss  cpu %8ss  server peak rss %6s MiB\n' "$gib" "$op" coffer-server "$wall" "$cpu" "$((rss / 1024))" >&2
}
run_pg_service() {
  make_pg
  local gb; gb=$(du -s --block-size=1G "$PGDATA" | cut -f1)
  local data="$W/server"
  rm -rf "$data"; mkdir -p "$data"
  local port; port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  export COFFER_URL="http://127.0.0.1:$port"
  "$COFFER" server --data-dir "$data" --listen "127.0.0.1:$port" >"$W/logs/server.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 300); do curl -fs "$COFFER_URL/health" >/dev/null && break; sleep 0.1; done
  curl -fs "$COFFER_URL/health" >/dev/null || { echo "scale: server did not start, see $W/logs/server.log" >&2; stop_server; return 1; }
  # the volume's directory becomes the cluster (a rename on the same file system), and back after
  local vpath; vpath=$("$COFFER" volume create pg --size "$((gb + 8))GiB" -o json | json '["path"]')
  rmdir "$vpath"; VPATH=$vpath; mv "$PGDATA" "$vpath"
  if measure_service "$gb" full "$COFFER" backup create pg --container scale --wait -q -o json; then
    local bid; bid=$(json '["id"]' < "$W/logs/pg-service-full.json")
    if measure_service "$gb" restore "$COFFER" backup restore "$bid" --name pg-restored --wait -q -o json; then
      local rpath; rpath=$(json '["path"]' < "$W/logs/pg-service-restore.json")
      same_tree "$vpath" "$rpath" || true
      "$COFFER" volume delete pg-restored -q || true
    fi
  fi
  stop_server
  give_back_pg
  rm -rf "$data"
}

# ---- pg to Swift (e): Coffer through Swift's S3 and Swift APIs, restic through Swift ----------
run_pg_swift() {
  make_pg
  local gb; gb=$(du -s --block-size=1G "$PGDATA" | cut -f1)
  command -v swift >/dev/null 2>&1 || true
  "$root/scripts/swift-up.sh" >"$W/logs/swift-up.log" 2>&1 || { echo "scale: Swift did not start, see $W/logs/swift-up.log" >&2; return 1; }
  # shellcheck disable=SC1091
  . "${SWIFT_AIO_DIR:-/tmp/coffer-swift}/swift-aio.env"
  export AWS_ACCESS_KEY_ID=$S3_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$S3_SECRET_KEY AWS_REGION=${S3_REGION:-us-east-1}
  export AWS_ENDPOINT_URL=$S3_ENDPOINT ST_AUTH=$SWIFT_AUTH_URL ST_USER=$SWIFT_USER ST_KEY=$SWIFT_KEY
  local id; id=$(date +%s)
  local out="$W/restore/pg-swift" none="$W/none"
  declare -A repo=([coffer-s3]="s3://coffer-scale/$id-coffer-s3" [coffer-swift]="swift://coffer-scale/$id-coffer-swift"
    [restic-swift]="swift:coffer-scale:/$id-restic-swift")
  for tool in coffer-s3 coffer-swift restic-swift; do
    rm -rf "$out"
    case $tool in
      coffer-*)
        "$COFFER" repo init --repo "${repo[$tool]}" -q >/dev/null
        measure pg "$gb" full "$tool" "$none" "$COFFER" repo backup --repo "${repo[$tool]}" -q "$PGDATA"
        measure pg "$gb" restore "$tool" "$none" "$COFFER" repo restore --repo "${repo[$tool]}" -q latest "$out"
        same_tree "$PGDATA" "$out" || true ;;
      restic-*)
        restic -r "${repo[$tool]}" init -q >/dev/null
        measure pg "$gb" full "$tool" "$none" restic -r "${repo[$tool]}" -q backup --compression auto "$PGDATA"
        measure pg "$gb" restore "$tool" "$none" restic -r "${repo[$tool]}" -q restore latest --target "$out" ;;
    esac
    rm -rf "$out"
    swift -A "$ST_AUTH" -U "$ST_USER" -K "$ST_KEY" delete coffer-scale --prefix "$id-" >/dev/null 2>&1 \
      || echo "scale: could not delete $id-* from the store" >&2
  done
}

# ---- small: two million small files, Coffer alone -------------------------------------------
make_small() {
  local d="$W/data/small"
  if [ ! -d "$d" ]; then
    python3 - "$d" "$SMALL_FILES" <<'PY'
import os, random, sys
root, total = sys.argv[1], int(sys.argv[2]); rnd = random.Random(7)
words = ['alpha','beta','gamma','delta','epsilon','zeta','eta','theta','kappa','lambda','omicron','sigma']
per = 100
for d in range(total // per):
    p = os.path.join(root, f"d{d // 200:03d}", f"s{d:05d}"); os.makedirs(p)
    for f in range(per):
        n = rnd.randint(512, 4096)
        text = ' '.join(rnd.choice(words) for _ in range(n // 6))[:n]
        with open(os.path.join(p, f"f{f:03d}.txt"), 'w') as fh: fh.write(f"{d}-{f}-{rnd.random()}\n" + text)
PY
  fi
}
run_small() {
  local d="$W/data/small" repo="$W/repo/small" out="$W/restore/small"
  make_small
  local n; n=$(( $(find "$d" -type f | wc -l) ))
  rm -rf "$repo" "$out"
  "$COFFER" repo init --repo "$repo" -q >/dev/null
  measure small "$n" full coffer "$repo" "$COFFER" repo backup --repo "$repo" -q "$d"
  measure small "$n" nochange coffer "$repo" "$COFFER" repo backup --repo "$repo" -q "$d"
  measure small "$n" restore coffer "$out" "$COFFER" repo restore --repo "$repo" -q latest "$out"
  same_tree "$d" "$out" || true
  rm -rf "$out" "$repo"
}

report() { # appends this run's rows (also of a run cut short) to the dated log
  [ -s "$RES" ] || return 0
  local day log
  day=$(date +%F)
  log="$here/results/scale-$day.md"
  {
    [ -s "$log" ] || printf '# Scale benchmark, %s\n' "$day"
    printf '\n## Run at %s (commit %s): sets %s\n\n' "$(date +%H:%M)" "$commit" "$SETS"
    python3 - "$RES" <<'PY'
import sys
rows = [l.rstrip('\n').split('\t') for l in open(sys.argv[1]) if l.strip()]
print("| set | size | operation | tool | wall s | CPU s | peak RSS MiB | stored MiB | MB/s of data |")
print("|---|---:|---|---|---:|---:|---:|---:|---:|")
for s, size, op, tool, wall, cpu, rss, stored in rows:
    if wall == 'FAILED':
        print(f"| {s} | {size} | {op} | {tool} | failed | | | | |"); continue
    remote = tool.endswith(('-s3', '-swift', '-server'))  # bytes stored elsewhere: not counted here
    w = float(wall); st = f"{int(stored) / 1048576:,.1f}" if op not in ('restore', 'check') and not remote and stored else ""
    rate = f"{int(size) * 1073741824 / w / 1e6:,.0f}" if s != 'small' and w > 0 else ""
    print(f"| {s} | {size}{' GiB' if s != 'small' else ' files'} | {op} | {tool} | {w:.1f} | {float(cpu):.1f} | {int(rss) // 1024} | {st} | {rate} |")
print()
print("coffer-server: wall time of `coffer backup create|restore --wait`, CPU and peak RSS of the server process;"
      " -s3 and -swift: the repository in the test Swift (bytes stored there are not counted).")
PY
  } >> "$log"
  : > "$RES"
  echo "scale: results in $log" >&2
}
trap 'stop_server; give_back_pg; report' EXIT

if [ "${SCALE_PREPARE:-0}" = 1 ]; then
  make_pg
  SMALL_FILES=$SMALL_FILES make_small
  echo "scale: data prepared under $W/data" >&2
  exit 0
fi
for set in $SETS; do
  echo "scale: $set" >&2
  "run_$set"
done

