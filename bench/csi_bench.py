#!/usr/bin/python3
"""The CSI side of bench/csi.sh: a PostgreSQL volume published through Coffer's CSI driver, snapshots
cut under a pgbench write load, and a database restored from a snapshot to ready; beside it, the
hostpath driver's way on the same volume (its snapshot is `tar czf` of the volume's directory, its
restore `tar xzf`), then the same start. Calls go through the independent gRPC client of the
conformance test (coffer-csi/src/test/python/csi_conformance.py). Prints a Markdown report.

    csi_bench.py --endpoint unix://SOCK --descriptor csi.desc --rest http://127.0.0.1:PORT --workdir DIR --scale N
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "coffer-csi", "src", "test", "python"))
from csi_conformance import Csi  # noqa: E402

GIB = 1 << 30
PGBIN = "/usr/lib/postgresql/15/bin"


def sh(*cmd, user=None, check=True, **kw):
    if user:
        cmd = ("runuser", "-u", user, "--") + cmd
    return subprocess.run(cmd, check=check, text=True, capture_output=True, **kw)


def rest(base, method, path, body=None):
    req = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.load(r)


class Pg:
    def __init__(self, data, sock, port):
        self.data, self.sock, self.port = data, sock, port

    def start(self):
        t0 = time.monotonic()
        sh(PGBIN + "/pg_ctl", "-D", self.data, "-o", "-k %s -p %d -c listen_addresses=''" % (self.sock, self.port), "-w", "-t", "600",
           "-l", self.data + ".log", "start", user="postgres")
        return time.monotonic() - t0

    def stop(self):
        sh(PGBIN + "/pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop", user="postgres", check=False)

    def sql(self, q):
        return sh(PGBIN + "/psql", "-h", self.sock, "-p", str(self.port), "-Atc", q, "postgres", user="postgres").stdout.strip()


def du(path):
    return int(sh("du", "-sb", path).stdout.split()[0])


def latencies(logdir, prefix):
    """(epoch seconds at the end, latency ms) of every transaction in pgbench's per-transaction logs."""
    out = []
    for f in os.listdir(logdir):
        if not f.startswith(prefix):
            continue
        with open(os.path.join(logdir, f)) as fh:
            for line in fh:
                p = line.split()
                # client_id transaction_no time script_no time_epoch time_us
                out.append((int(p[4]) + int(p[5]) / 1e6, int(p[2]) / 1000.0))
    return sorted(out)


def window(lat, start, end):
    """The worst latency of a transaction that was in flight during [start, end], and the count that ended in it."""
    inside = [ms for t, ms in lat if t >= start and t - ms / 1000.0 <= end]
    return (max(inside) if inside else 0.0), len(inside)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--descriptor", required=True)
    ap.add_argument("--rest", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--scale", type=int, default=270)
    ap.add_argument("--load-seconds", type=int, default=60)
    a = ap.parse_args()
    csi = Csi(a.descriptor, a.endpoint)
    w = a.workdir
    sock = os.path.join(w, "pgsock")
    os.makedirs(sock, exist_ok=True)
    sh("chown", "postgres", sock)
    mount = csi.mount_cap()

    def create(name, size, **extra):
        t0 = time.monotonic()
        while True:
            try:
                r = csi.call("Controller", "CreateVolume", "CreateVolumeRequest", name=name, volume_capabilities=[mount],
                             capacity_range=csi.msg("CapacityRange", required_bytes=size), **extra)
                return r.volume, time.monotonic() - t0
            except Exception as e:  # ABORTED while a job runs: retried, as the provisioner does
                if "ABORTED" not in str(e):
                    raise
                time.sleep(0.2)

    def publish(volume_id, target):
        t0 = time.monotonic()
        csi.call("Node", "NodePublishVolume", "NodePublishVolumeRequest", volume_id=volume_id, target_path=target, volume_capability=mount)
        return time.monotonic() - t0

    report = []
    # ---- the source: a published volume, a cluster of pgbench data, a registered instance
    vol, _ = create("pgdata", 12 * GIB)
    src = os.path.join(w, "pods", "pg-0")
    os.makedirs(os.path.dirname(src), exist_ok=True)
    publish(vol.volume_id, src)
    sh("chown", "postgres", src)
    data = os.path.join(src, "data")
    sh(PGBIN + "/initdb", "--data-checksums", "-D", data, user="postgres")
    pg = Pg(data, sock, 5491)
    pg.start()
    t0 = time.monotonic()
    sh(PGBIN + "/pgbench", "-h", sock, "-p", "5491", "-i", "-s", str(a.scale), "-q", "postgres", user="postgres")
    load_s = time.monotonic() - t0
    sh(PGBIN + "/psql", "-h", sock, "-p", "5491", "-c", "CHECKPOINT", "postgres", user="postgres")
    size = du(src)
    rest(a.rest, "POST", "/api/v1/instances", {"name": "pg-0", "engine": "postgresql", "volume_id": vol.volume_id, "data_subdir": "data",
                                               "socket_dir": sock, "port": 5491, "user": "postgres"})
    report.append("Data: `pgbench -i -s %d` (data checksums) in a CSI mount volume: %.2f GiB on disk, loaded in %.0f s." % (a.scale, size / GIB, load_s))

    # ---- snapshots under load
    logdir = os.path.join(w, "pgbench-log")
    os.makedirs(logdir, exist_ok=True)
    sh("chown", "postgres", logdir)
    bench = subprocess.Popen(["runuser", "-u", "postgres", "--", PGBIN + "/pgbench", "-h", sock, "-p", "5491", "-c", "4", "-j", "2", "-T",
                              str(a.load_seconds), "-l", "--log-prefix", os.path.join(logdir, "tx"), "postgres"],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    cuts = []
    for name, params in (("snap-crash", {}), ("snap-application", {"consistency": "application"})):
        time.sleep(a.load_seconds / 4)
        t0 = time.time()
        r = csi.call("Controller", "CreateSnapshot", "CreateSnapshotRequest", name=name, source_volume_id=vol.volume_id, parameters=params)
        t1 = time.time()
        shown = rest(a.rest, "GET", "/api/v1/snapshots/" + r.snapshot.snapshot_id)["snapshot"]
        cuts.append((name, r.snapshot, t0, t1, shown))
    time.sleep(a.load_seconds / 4)
    t0 = time.time()
    # tar says "file changed as we read it" (exit 1) of a database being written: the hostpath way
    r = sh("tar", "czf", os.path.join(w, "hostpath-snapshot.tgz"), "-C", src, ".", check=False)
    if r.returncode not in (0, 1):
        raise RuntimeError("tar czf failed: " + r.stderr)
    t1 = time.time()
    cuts.append(("hostpath: tar czf", None, t0, t1, {"method": "tar+gzip", "consistency": "none", "freeze_ms": None}))
    out, _ = bench.communicate()
    lat = latencies(logdir, "tx")
    quiet = [ms for t, ms in lat if all(not (c[2] - 2 <= t <= c[3] + 2) for c in cuts)] or [ms for t, ms in lat] or [0.0]
    base_p99 = statistics.quantiles(quiet, n=100)[98] if len(quiet) > 100 else max(quiet)
    report.append("")
    report.append("Snapshots under `pgbench -c 4 -j 2 -T %d` (the TPC-B-like default); outside the cuts the worst transaction took %.0f ms, the 99th percentile %.1f ms."
                  % (a.load_seconds, max(quiet), base_p99))
    report.append("")
    report.append("| snapshot | method | consistency | call (s) | freeze / write pause (ms) | worst transaction in flight during the cut (ms) | transactions during it |")
    report.append("|---|---|---|---|---|---|---|")
    for name, snap, t0, t1, shown in cuts:
        worst, n = window(lat, t0, t1)
        report.append("| %s | %s | %s | %.3f | %s | %.0f | %d |" % (name, shown.get("method"), shown.get("consistency"), t1 - t0,
                                                                  "-" if shown.get("freeze_ms") is None else shown.get("freeze_ms"), worst, n))
    tps = [l for l in out.splitlines() if l.startswith("tps")]
    report.append("")
    report.append("pgbench: %s" % (tps[0] if tps else out.strip().splitlines()[-1]))
    pg.stop()

    # ---- restore to ready: Coffer, a volume from the application-consistent snapshot
    report.append("")
    report.append("| restore to ready | volume (s) | publish (s) | database start (s) | total (s) | rows in pgbench_accounts |")
    report.append("|---|---|---|---|---|---|")
    app = [c for c in cuts if c[0] == "snap-application"][0][1]
    src_ref = csi.msg("VolumeContentSource", snapshot=csi.msg("VolumeContentSource.SnapshotSource", snapshot_id=app.snapshot_id))
    restored, made_s = create("pgdata-restored", 12 * GIB, volume_content_source=src_ref)
    target = os.path.join(w, "pods", "pg-restored")
    pub_s = publish(restored.volume_id, target)
    copy = Pg(os.path.join(target, "data"), sock, 5492)
    start_s = copy.start()
    rows = copy.sql("SELECT count(*) FROM pgbench_accounts")
    copy.stop()
    report.append("| Coffer CSI, from the application snapshot | %.3f | %.3f | %.3f | **%.3f** | %s |" % (made_s, pub_s, start_s, made_s + pub_s + start_s, rows))
    coffer_total = made_s + pub_s + start_s

    # ---- the hostpath way: extract the archive into a new directory, start
    hp = os.path.join(w, "hostpath-restored")
    os.makedirs(hp, exist_ok=True)
    t0 = time.monotonic()
    sh("tar", "xzf", os.path.join(w, "hostpath-snapshot.tgz"), "-C", hp)
    extract_s = time.monotonic() - t0
    os.remove(os.path.join(hp, "data", "postmaster.pid")) if os.path.exists(os.path.join(hp, "data", "postmaster.pid")) else None
    hpg = Pg(os.path.join(hp, "data"), sock, 5493)
    try:
        hstart = hpg.start()
        hrows = hpg.sql("SELECT count(*) FROM pgbench_accounts")
        hpg.stop()
    except subprocess.CalledProcessError as e:
        hstart, hrows = float("nan"), "did not start: " + (e.stderr or e.stdout or "").strip()[-200:]
    report.append("| hostpath (tar xzf, then start) | %.3f | - | %.3f | **%.3f** | %s |" % (extract_s, hstart, extract_s + hstart, hrows))
    report.append("")
    report.append("Restore to ready: Coffer %.3f s, the hostpath way %.1f s (%.0fx). Archive: %.2f GiB."
                  % (coffer_total, extract_s + hstart, (extract_s + hstart) / coffer_total, os.path.getsize(os.path.join(w, "hostpath-snapshot.tgz")) / GIB))
    print("\n".join(report))


if __name__ == "__main__":
    main()
