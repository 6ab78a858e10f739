# Sourced by the benchmarks: every restore goes to a fresh ext4 file system, as a restore into a
# new volume does. A directory on the bench disk carries the state of the runs before it: ext4
# skips inodes freed in the last seconds, and scanning past the 200,000 just deleted by an earlier
# restore of the small-files set cost every tool up to twice the system time, varying from run to
# run. The image (sparse, next to the mount point) holds twice the data plus 512 MiB, as a new
# volume with room to grow would, and inodes for the data's files. Coffer's restore is slower on a
# fuller file system (mixed set: 5.1 s into 2.3 GiB, 4.3 s into 4 GiB, the same CPU time; restic
# 6.6 s and 6.4 s). BENCH_FRESH_FS=0 restores into plain directories instead.
fresh_fs() { # DIR BYTES FILES : mounts a fresh file system at DIR, with an empty DIR/r to restore into
  local d=$1 bytes=$2 files=$3
  mkdir -p "$d"
  if [ "${BENCH_FRESH_FS:-1}" = 1 ]; then
    truncate -s "$(( bytes * 2 + (512 << 20) ))" "$d.img"
    mkfs.ext4 -q -F -N "$(( files * 5 / 4 + 10000 ))" "$d.img"
    mount -o loop "$d.img" "$d" || { echo "bench: cannot mount a fresh file system at $d (needs root; or BENCH_FRESH_FS=0)" >&2; exit 1; }
  fi
  mkdir -p "$d/r"
}
release_fs() { # DIR
  if mountpoint -q "$1"; then umount "$1"; fi
  rm -rf "$1" "$1.img"
}
