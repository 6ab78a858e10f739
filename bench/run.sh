#!/usr/bin/env bash
# Coffer vs restic (repository v2, compression auto), borg (lz4) and tar+zstd (and, for the sparse
# image, tar+gzip), in one run, on the
# same data: full backup, no-change backup, incremental after a pgbench run, full restore.
# Reports wall time, CPU time (user+sys), peak RSS and bytes stored, with ratios against restic.
#
#   bench/run.sh                 all data sets (needs ~15 GB free and root for PostgreSQL's user)
#   BENCH_SETS="small sparse" bench/run.sh     only some: mixed pg small sparse
#   BENCH_DIR=/var/tmp/x bench/run.sh          where data, repositories and restores go
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
W=${BENCH_DIR:-/var/tmp/coffer-bench}
SETS=${BENCH_SETS:-"mixed pg small sparse"}
PG_SCALE=${PG_SCALE:-50}
PG_TXNS=${PG_TXNS:-1000}     # per client, 4 clients
mkdir -p "$W" "$here/results"
export RESTIC_PASSWORD=bench COFFER_PASSWORD=bench BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=yes BORG_RELOCATED_REPO_ACCESS_IS_OK=yes

# ---- tools -------------------------------------------------------------------------------
need=()
for t in restic:restic borg:borgbackup zstd:zstd /usr/bin/time:time python3:python3; do
  command -v "${t%%:*}" >/dev/null 2>&1 || need+=("${t##*:}")
done
[ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql-15 postgresql-contrib-15)
if [ ${#need[@]} -gt 0 ]; then
  echo "bench: installing ${need[*]}" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null
fi
"$root/coffer" --version >/dev/null   # builds Coffer if needed
# Measure a copy of the jar, so that editing the sources during a run cannot trigger a rebuild.
cp "$root/coffer-app/target/coffer.jar" "$W/coffer.jar"
export COFFER_JAR="$W/coffer.jar"
COFFER="$root/coffer"
# Warm-up outside the measurements: a backup run writes the JVM's class-data archive next to the
# jar, and with Java 25+ the ahead-of-time cache is trained now, not in the background during a
# measurement (see ./coffer).
warm="$W/warmup"; rm -rf "$warm" "$W"/coffer*.jsa "$W"/coffer*.aot*; mkdir -p "$warm/src"; cp -a /etc/ssl "$warm/src/" 2>/dev/null || true
COFFER_AOT=sync "$COFFER" --version >/dev/null
"$COFFER" repo init --repo "$warm/repo" -q >/dev/null; rm -f "$W"/coffer*.jsa
"$COFFER" repo backup --repo "$warm/repo" -q "$warm/src" >/dev/null
rm -rf "$warm"
RES="$W/results.tsv"
: > "$RES"

drop_caches() { sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true; }
# Bytes stored: the sum of the repository's file sizes (directories, which object stores do not
# have, are not counted).
size_of() { find "$1" -type f -printf '%s\n' 2>/dev/null | awk '{s += $1} END {printf "%d\n", s}'; }

# measure SET OP TOOL REPO CMD... : runs CMD under /usr/bin/time, records one row
measure() {
  local set=$1 op=$2 tool=$3 repo=$4; shift 4
  local before=0; [ -e "$repo" ] && before=$(size_of "$repo")
  drop_caches
  local t="$W/time.$$" log="$W/logs/$set-$op-$tool.log"
  mkdir -p "$W/logs"
  if ! /usr/bin/time -f "%e %U %S %M" -o "$t" "$@" >"$log" 2>&1; then
    echo "bench: $tool $op on $set FAILED, see $log" >&2; tail -5 "$log" >&2; return 1
  fi
  read -r wall user sys rss < <(tail -n1 "$t")
  local after; after=$(size_of "$repo")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$set" "$op" "$tool" "$wall" "$(awk "BEGIN{print $user+$sys}")" "$rss" "$((after - before))" >> "$RES"
  printf 'bench: %-6s %-9s %-7s %7ss  cpu %7ss  rss %6s MiB  stored %s\n' "$set" "$op" "$tool" "$wall" "$(awk "BEGIN{print $user+$sys}")" "$((rss / 1024))" "$((after - before))" >&2
}

# ---- data sets ----------------------------------------------------------------------------
make_mixed() { # system files: text, docs, binaries, libraries (~1.3 GiB)
  local d="$W/data/mixed"; [ -d "$d" ] && return
  mkdir -p "$d"; cp -a /usr/share "$d/share"; cp -a /usr/lib/x86_64-linux-gnu "$d/lib"
}
make_small() { # 200,000 small files of 0.5-4 KiB in 2,000 directories
  local d="$W/data/small"; [ -d "$d" ] && return
  python3 - "$d" <<'PY'
import os, random, sys
root = sys.argv[1]; rnd = random.Random(7)
words = [w.strip() for w in open('/usr/share/dict/words')] if os.path.exists('/usr/share/dict/words') else ['alpha','beta','gamma','delta','epsilon','zeta','eta','theta','kappa','lambda']
for d in range(2000):
    p = os.path.join(root, f"d{d//100:02d}", f"s{d:04d}"); os.makedirs(p)
    for f in range(100):
        n = rnd.randint(512, 4096)
        text = ' '.join(rnd.choice(words) for _ in range(n // 6))[:n]
        with open(os.path.join(p, f"f{f:03d}.txt"), 'w') as fh: fh.write(f"{d}-{f}-{rnd.random()}\n" + text)
PY
}
make_sparse() { # a 2 GiB sparse image with ~100 MiB of data at scattered offsets
  local d="$W/data/sparse"; [ -d "$d" ] && return
  mkdir -p "$d"
  python3 - "$d/disk.img" <<'PY'
import os, random, sys
rnd = random.Random(3); size = 2 << 30
with open(sys.argv[1], 'wb') as f:
    f.truncate(size)
    for i in range(100):                     # 100 extents of 1 MiB: half random, half text-like
        f.seek(rnd.randrange(0, size - (1 << 20)) & ~4095)
        f.write(os.urandom(1 << 20) if i % 2 else (b'ext4 journal block %d ' % i) * (1048576 // 24) + b'\0' * (1048576 % 24))
PY
}
PGBIN=/usr/lib/postgresql/15/bin
pg_ctl_() { runuser -u postgres -- "$PGBIN/pg_ctl" -D "$W/data/pg/data" -o "-k $W/pgsock -p 5499 -c listen_addresses=''" -w -l "$W/logs/pg.log" "$@" >/dev/null; }
make_pg() { # PostgreSQL 15 with data checksums, pgbench -i at scale $PG_SCALE, stopped cleanly
  local d="$W/data/pg"; [ -d "$d/data" ] && return
  mkdir -p "$d" "$W/pgsock" "$W/logs"; chown postgres "$d" "$W/pgsock"; chmod 777 "$W/logs"
  runuser -u postgres -- "$PGBIN/initdb" --data-checksums -D "$d/data" >/dev/null
  pg_ctl_ start
  runuser -u postgres -- "$PGBIN/pgbench" -h "$W/pgsock" -p 5499 -i -s "$PG_SCALE" postgres >/dev/null 2>&1
  pg_ctl_ stop -m fast
}
pgbench_run() { # a few thousand transactions that rewrite scattered 8 KiB pages in place
  pg_ctl_ start
  runuser -u postgres -- "$PGBIN/pgbench" -h "$W/pgsock" -p 5499 -c 4 -t "$PG_TXNS" postgres >/dev/null 2>&1
  runuser -u postgres -- psql -h "$W/pgsock" -p 5499 -qc checkpoint postgres >/dev/null
  pg_ctl_ stop -m fast
}

# ---- tools under test ---------------------------------------------------------------------
backup() { # SET OP TOOL DIR
  local set=$1 op=$2 tool=$3 dir=$4 repo="$W/repo/$1-$3"
  case $tool in
    coffer)
      [ -e "$repo/config" ] || "$COFFER" repo init --repo "$repo" -q >/dev/null
      local parent=(); [ "$op" != full ] && parent=(--parent latest)
      measure "$set" "$op" coffer "$repo" "$COFFER" repo backup --repo "$repo" -q "${parent[@]}" "$dir" ;;
    restic)
      [ -e "$repo/config" ] || restic init -q --repository-version 2 -r "$repo" >/dev/null
      measure "$set" "$op" restic "$repo" restic -r "$repo" -q backup --compression auto "$dir" ;;
    borg)
      [ -e "$repo/config" ] || borg init -e none "$repo"
      measure "$set" "$op" borg "$repo" bash -c "cd '$dir' && borg create --compression lz4 '$repo::$op-$RANDOM' ." ;;
    tar)
      mkdir -p "$repo"
      if [ "$op" = full ]; then rm -f "$repo/snar"; fi
      cp -f "$repo/snar" "$repo/snar.cur" 2>/dev/null || true
      measure "$set" "$op" tar "$repo" bash -c "tar --sparse --listed-incremental='$repo/snar.cur' -C '$dir' -cf - . | zstd -q -1 -T0 > '$repo/$op.tar.zst'"
      if [ "$op" = full ]; then cp -f "$repo/snar.cur" "$repo/snar"; fi ;;
    targz) # the Kubernetes hostpath driver's snapshot format: tar piped to gzip at its default level
      mkdir -p "$repo"
      measure "$set" "$op" targz "$repo" bash -c "tar --sparse -C '$dir' -cf - . | gzip > '$repo/$op.tar.gz'" ;;
  esac
}
. "$here/fresh-fs.sh"   # fresh_fs, release_fs: every restore goes to a fresh file system
restore() { # SET TOOL DATA_DIR
  local set=$1 tool=$2 repo="$W/repo/$1-$2" m="$W/restore/$1-$2"
  release_fs "$m"
  fresh_fs "$m" "$(du -sb --apparent-size "$3" | cut -f1)" "$(find "$3" | wc -l)"
  local t="$m/r"
  case $tool in
    coffer) measure "$set" restore coffer "$t" "$COFFER" repo restore --repo "$repo" -q --allow-external-symlinks latest "$t" ;;
    restic) measure "$set" restore restic "$t" restic -r "$repo" -q restore latest --target "$t" ;;
    borg)   local a; a=$(borg list --short --last 1 "$repo")
            measure "$set" restore borg "$t" bash -c "cd '$t' && borg extract --sparse '$repo::$a'" ;;
    tar)    measure "$set" restore tar "$t" bash -c "zstd -dc '$repo/full.tar.zst' | tar --sparse -C '$t' -xf -" ;;
  esac
}
verify_coffer_restore() { # SET DIR : the Coffer restore must match the source exactly
  if ! diff -r --no-dereference "$2" "$W/restore/$1-coffer/r" >/dev/null 2>&1; then
    echo "bench: Coffer restore of $1 DIFFERS from the source" >&2; exit 1
  fi
}
verify_sparse() { # DIR : the Coffer restore of the sparse image must be sparse
  local img="$W/restore/sparse-coffer/r/disk.img" alloc apparent
  alloc=$(( $(stat -c '%b * %B' "$img") )); apparent=$(stat -c '%s' "$img")
  echo "bench: sparse image restored by Coffer: $apparent bytes, $alloc allocated" >&2
  if [ "$alloc" -gt $(( apparent / 8 )) ]; then
    echo "bench: Coffer's restore of the sparse image is NOT sparse" >&2; exit 1
  fi
}
trap 'for m in "$W"/restore/*; do [ -d "$m" ] && release_fs "$m"; done 2>/dev/null || true' EXIT

TOOLS="coffer restic borg tar"
for m in "$W"/restore/*; do [ -d "$m" ] && release_fs "$m"; done 2>/dev/null || true
rm -rf "$W/repo" "$W/restore"
for set in $SETS; do
  echo "bench: preparing $set" >&2
  "make_$set"
  dir="$W/data/$set"; [ "$set" = pg ] && dir="$W/data/pg/data"
  echo "bench: $set is $(du -sh --apparent-size "$dir" | cut -f1) ($(find "$dir" -type f | wc -l) files)" >&2
  for tool in $TOOLS; do backup "$set" full "$tool" "$dir"; done
  # The sparse image's target is to store no more than tar+gzip: measure that too (full only).
  if [ "$set" = sparse ]; then backup "$set" full targz "$dir"; fi
  for tool in $TOOLS; do backup "$set" nochange "$tool" "$dir"; done
  if [ "$set" = pg ]; then
    pgbench_run
    for tool in $TOOLS; do backup "$set" incr "$tool" "$dir"; done
  fi
  for tool in $TOOLS; do
    [ "$tool" = tar ] && [ "$set" = pg ] && continue   # tar restore = full archive only; skip for pg after incr
    restore "$set" "$tool" "$dir"
    if [ "$tool" = coffer ] && [ "$set" != pg ]; then verify_coffer_restore "$set" "$dir"; fi
    if [ "$tool" = coffer ] && [ "$set" = sparse ]; then verify_sparse; fi
    release_fs "$W/restore/$set-$tool"
  done
done

python3 "$here/report.py" "$RES" | tee "$here/results/latest.md"
