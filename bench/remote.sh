#!/usr/bin/env bash
# Coffer vs restic against the same object store: a real OpenStack Swift on 127.0.0.1 (started by
# scripts/swift-up.sh), through its S3 API and its native API, with a counting proxy
# (scripts/HttpProxy.java) in front of it so that every tool's requests and bytes are counted the
# same way. Full backup, no-change backup, full restore of the same data; wall time, peak RSS,
# requests, bytes sent and received, with ratios against restic.
#
# restic runs through its S3 backend and its Swift backend. Its S3 backend (Debian's restic 0.14,
# minio-go) signs uploads with aws-chunked over plain http, which Swift's s3api refuses
# ("Transfering payloads in multiple chunks using aws-chunked is not supported"); over https it
# sends them whole. So the S3 comparison runs over https for both tools, through stunnel
# (Debian's package; OpenSSL, a throw-away key) in front of a second counting proxy; the Swift
# comparison runs over plain http for both. Until 2026-12-03 the counting proxy spoke TLS itself
# (JSSE, in a JVM of its own): on two cores that proxy's CPU was taken from the tool measured,
# the more the faster the tool read (see bench/README.md, "Remote repositories").
#
#   bench/remote.sh                        the `mixed` data set of bench/run.sh (~1.2 GiB, ~49,000 files)
#   REMOTE_DATA=/some/dir bench/remote.sh  another tree
#   RUNS=3 bench/remote.sh                 median of RUNS (default 1)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
W=${BENCH_DIR:-/var/tmp/coffer-bench}
. "$here/fresh-fs.sh"   # fresh_fs, release_fs: every restore goes to a fresh file system
RUNS=${RUNS:-1}
DATA=${REMOTE_DATA:-$W/data/mixed}
mkdir -p "$W" "$here/results"
export RESTIC_PASSWORD=bench COFFER_PASSWORD=bench

# ---- tools and servers ----------------------------------------------------------------------
need=()
for t in restic:restic /usr/bin/time:time python3:python3 stunnel4:stunnel4 openssl:openssl; do command -v "${t%%:*}" >/dev/null 2>&1 || need+=("${t##*:}"); done
if [ ${#need[@]} -gt 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null
fi
if [ ! -d "$DATA" ]; then
  echo "bench: making the mixed data set in $DATA" >&2
  mkdir -p "$DATA"; cp -a /usr/share "$DATA/share"; cp -a /usr/lib/x86_64-linux-gnu "$DATA/lib"
fi
SWIFT_DIR=${SWIFT_AIO_DIR:-/tmp/coffer-swift}
"$root/scripts/swift-up.sh" "$SWIFT_DIR" >&2
# shellcheck disable=SC1091
. "$SWIFT_DIR/swift-aio.env"
. "$root/scripts/jdk.sh"; JAVA=$(coffer_find_jdk)/bin/java
"$root/coffer" --version >/dev/null
cp "$root/coffer-app/target/coffer.jar" "$W/coffer.jar"
export COFFER_JAR="$W/coffer.jar"
COFFER="$root/coffer"
# The JVM's ahead-of-time cache for this jar (Java 25+) is trained now, not in the background
# during a measurement.
COFFER_AOT=sync "$root/coffer" --version >/dev/null

# a throw-away TLS key for stunnel: its key and certificate, restic's --cacert, Java's trust store
TLS="$W/tls"; rm -rf "$TLS"; mkdir -p "$TLS"
KEYTOOL=$(dirname "$JAVA")/keytool
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$TLS/key.pem" -out "$TLS/cert.pem" >/dev/null 2>&1
"$KEYTOOL" -importcert -noprompt -alias proxy -file "$TLS/cert.pem" -keystore "$TLS/trust.p12" -storetype PKCS12 -storepass proxy-tls >/dev/null 2>&1

# start_proxy NAME [OPTIONS]: a counting proxy in front of Swift; sets NAME_PORT
PIDS=()
trap 'kill "${PIDS[@]}" 2>/dev/null || true; release_fs "$W/restore-remote" 2>/dev/null || true' EXIT
start_proxy() {
  local name=$1; shift
  rm -f "$W/proxy-$name.json"
  "$JAVA" "$root/scripts/HttpProxy.java" --upstream "${S3_ENDPOINT#http://}" --stats "$W/proxy-$name.json" "$@" > "$W/proxy-$name.out" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 100); do grep -q "listening on" "$W/proxy-$name.out" 2>/dev/null && break; sleep 0.1; done
  printf -v "${name}_PORT" '%s' "$(sed -n 's/listening on //p' "$W/proxy-$name.out")"
}
start_proxy http
start_proxy https   # plain http: stunnel in front of it speaks TLS
tls_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$TLS/stunnel.conf" <<EOF
foreground = yes
pid =
[s3]
accept = 127.0.0.1:$tls_port
connect = 127.0.0.1:$https_PORT
cert = $TLS/cert.pem
key = $TLS/key.pem
EOF
stunnel4 "$TLS/stunnel.conf" > "$W/stunnel.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$tls_port") 2>/dev/null && break; sleep 0.1; done
PROXY=http://127.0.0.1:$http_PORT
HTTPS=https://127.0.0.1:$tls_port

export AWS_ACCESS_KEY_ID=$S3_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$S3_SECRET_KEY AWS_REGION=${S3_REGION:-us-east-1} AWS_DEFAULT_REGION=${S3_REGION:-us-east-1}
export AWS_ENDPOINT_URL=$PROXY
export ST_AUTH=$PROXY/auth/v1.0 ST_USER=$SWIFT_USER ST_KEY=$SWIFT_KEY

counters() { sleep 0.3; python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["requests"], s["bytes_up"], s["bytes_down"])' "$W/proxy-$1.json"; }
drop_caches() { sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true; }
RES="$W/remote.tsv"; : > "$RES"

# measure RUN OP TOOL CMD... : one row with wall, rss, requests and bytes through the proxy
# (the https one for the tools whose name ends in -tls or is restic-s3)
measure() {
  local run=$1 op=$2 tool=$3; shift 3
  local via=http
  case $tool in *-tls|restic-s3) via=https ;; esac
  drop_caches
  read -r r0 u0 d0 < <(counters $via)
  local t="$W/time.$$" log="$W/logs/remote-$tool-$op.log"; mkdir -p "$W/logs"
  if ! /usr/bin/time -f "%e %M" -o "$t" "$@" >"$log" 2>&1; then
    echo "bench: $tool $op FAILED, see $log" >&2; tail -5 "$log" >&2; exit 1
  fi
  read -r wall rss < <(tail -n1 "$t")
  read -r r1 u1 d1 < <(counters $via)
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$run" "$op" "$tool" "$wall" "$rss" "$((r1 - r0))" "$((u1 - u0))" "$((d1 - d0))" >> "$RES"
  printf 'bench: %-14s %-9s %7ss  rss %5s MiB  %6s requests  up %s  down %s\n' "$tool" "$op" "$wall" "$((rss / 1024))" "$((r1 - r0))" "$((u1 - u0))" "$((d1 - d0))" >&2
}

for run in $(seq "$RUNS"); do
  id=$(date +%s)-$run
  declare -A REPO=(
    [coffer-s3]="s3://coffer-bench/remote-$id-coffer"
    [coffer-s3-tls]="s3://coffer-bench/remote-$id-coffer-tls"
    [coffer-swift]="swift://coffer-bench/remote-$id-coffer-swift"
    [restic-swift]="swift:coffer-bench:/remote-$id-restic-swift"
    [restic-s3]="s3:$HTTPS/coffer-bench/remote-$id-restic-s3"
  )
  for tool in coffer-s3 coffer-s3-tls coffer-swift restic-swift restic-s3; do
    repo=${REPO[$tool]}
    release_fs "$W/restore-remote"; fresh_fs "$W/restore-remote" "$(du -sb --apparent-size "$DATA" | cut -f1)" "$(find "$DATA" | wc -l)"
    out="$W/restore-remote/r"
    case $tool in
      coffer-*)
        cof=("$COFFER")
        if [ "$tool" = coffer-s3-tls ]; then
          cof=(env "AWS_ENDPOINT_URL=$HTTPS" "COFFER_JAVA_EXTRA_OPTS=-Djavax.net.ssl.trustStore=$TLS/trust.p12 -Djavax.net.ssl.trustStorePassword=proxy-tls" "$COFFER")
        fi
        "${cof[@]}" repo init --repo "$repo" -q >/dev/null
        measure "$run" full "$tool" "${cof[@]}" repo backup --repo "$repo" -q "$DATA"
        measure "$run" nochange "$tool" "${cof[@]}" repo backup --repo "$repo" -q --parent latest "$DATA"
        measure "$run" restore "$tool" "${cof[@]}" repo restore --repo "$repo" -q --allow-external-symlinks latest "$out"
        ;;
      restic-*)
        ropts=(); [ "$tool" = restic-s3 ] && ropts=(--cacert "$TLS/cert.pem")
        restic -r "$repo" "${ropts[@]}" init >/dev/null
        measure "$run" full "$tool" restic -r "$repo" "${ropts[@]}" backup -q "$DATA"
        measure "$run" nochange "$tool" restic -r "$repo" "${ropts[@]}" backup -q "$DATA"
        measure "$run" restore "$tool" restic -r "$repo" "${ropts[@]}" restore latest --target "$out"
        out="$out$DATA"
        ;;
    esac
    if ! diff -r --no-dereference "$DATA" "$out" >/dev/null 2>&1; then echo "bench: $tool restored something different from $DATA" >&2; exit 1; fi
    release_fs "$W/restore-remote"
  done
  # the run's repositories leave the Swift store (1.4 GiB a run; they filled the disk once)
  swift delete coffer-bench --prefix "remote-$id-" >/dev/null 2>&1 || echo "bench: could not delete remote-$id-* from the store" >&2
done

python3 - "$RES" "$DATA" "$RUNS" > "$W/remote.md" <<'PY'
import sys, statistics, collections, os
rows = [l.rstrip('\n').split('\t') for l in open(sys.argv[1]) if l.strip()]
m = collections.defaultdict(list)
for run, op, tool, wall, rss, req, up, down in rows:
    m[(op, tool)].append((float(wall), int(rss), int(req), int(up), int(down)))
def med(op, tool, i):
    v = [r[i] for r in m[(op, tool)]]
    return statistics.median(v) if v else None
size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(sys.argv[2]) for f in fs if not os.path.islink(os.path.join(d, f)))
print(f"Data: `{sys.argv[2]}`, {size / 2**30:.2f} GiB; median of {sys.argv[3]} run(s). Store: OpenStack Swift on 127.0.0.1 "
      "(Debian packages, one object server), through a counting proxy, on the same 2-core machine as the tools. S3: both tools over https "
      "(stunnel, OpenSSL, in front of the counting proxy and Swift's S3 API; restic's S3 backend sends aws-chunked uploads over plain http, which s3api refuses); "
      "Swift: both over plain http. Coffer's S3 over plain http is shown against restic's Swift backend. Throughput ratio: restic's wall "
      "time over Coffer's (above 1 = Coffer faster).\n")
print("| operation | API (Coffer / restic) | Coffer | restic | throughput ×restic | Coffer MiB/s | requests Coffer / restic | sent MiB Coffer / restic | received MiB Coffer / restic | peak RSS MiB Coffer / restic |")
print("|---|---|---|---|---|---|---|---|---|---|")
pairs = (("S3 https / S3 https", "coffer-s3-tls", "restic-s3"), ("Swift / Swift", "coffer-swift", "restic-swift"), ("S3 http / Swift", "coffer-s3", "restic-swift"))
for op in ("full", "nochange", "restore"):
    for api, c, r in pairs:
        if not m[(op, c)] or not m[(op, r)]:
            continue
        cw, rw = med(op, c, 0), med(op, r, 0)
        print(f"| {op} | {api} | {cw:.2f} s | {rw:.2f} s | {rw / cw:.2f} | {size / 2**20 / cw:.0f} | {med(op, c, 2):.0f} / {med(op, r, 2):.0f} | "
              f"{med(op, c, 3) / 2**20:.1f} / {med(op, r, 3) / 2**20:.1f} | {med(op, c, 4) / 2**20:.1f} / {med(op, r, 4) / 2**20:.1f} | "
              f"{med(op, c, 1) / 1024:.0f} / {med(op, r, 1) / 1024:.0f} |")
PY
# a run never overwrites an earlier one of the same day: remote-DATE.md, then remote-DATEb.md, ...
out="$here/results/remote-$(date +%F).md"
for s in b c d e f g h i j k; do [ -e "$out" ] || break; out="$here/results/remote-$(date +%F)$s.md"; done
cp "$W/remote.md" "$out"
cat "$W/remote.md"
