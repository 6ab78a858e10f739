#!/usr/bin/python3
"""A CSI conformance run against a driver's Unix socket, by an independent gRPC client.

Debian's python3-grpcio speaks gRPC; the messages are built at run time from the descriptor set
that the build compiles from csi.proto (the driver's own generated Java code plays no part). The
checks follow csi-sanity's (kubernetes-csi/csi-test, pkg/sanity) for identity, controller,
snapshots and node, with their argument checks, idempotency, error codes and paging, and add what
csi-sanity leaves out: the data. A mount and a block volume are published, written, snapshotted,
changed, and volumes made from the snapshots must hold the data as it was, byte for byte.

    csi_conformance.py --endpoint unix:///run/coffer/csi.sock --descriptor csi.desc --workdir DIR

With --other-endpoint (a second node's driver sharing the catalog and a repository) and
--repository, only the cross-node check runs: a snapshot taken on the first node, copied off-host,
becomes a volume on the second node that holds the data as it was.

Needs root (publishing mounts). Prints one line per check; exits 1 if any failed.
"""
import argparse
import concurrent.futures
import hashlib
import json
import os
import sys
import time
import traceback
import urllib.request

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

GIB = 1 << 30
MIB = 1 << 20


class Csi:
    """Messages and calls of csi.v1, from the descriptor set."""

    def __init__(self, descriptor, endpoint):
        fds = descriptor_pb2.FileDescriptorSet.FromString(open(descriptor, "rb").read())
        self.pool = descriptor_pool.DescriptorPool()
        for f in fds.file:
            self.pool.AddSerializedFile(f.SerializeToString())
        self.factory = message_factory.MessageFactory(self.pool)
        self.channel = grpc.insecure_channel(endpoint)
        self.calls = {}

    def msg(self, type_name, **fields):
        d = self.pool.FindMessageTypeByName("csi.v1." + type_name)
        cls = message_factory.GetMessageClass(d) if hasattr(message_factory, "GetMessageClass") else self.factory.GetPrototype(d)
        return cls(**fields)

    def enum(self, name, value):
        return self.pool.FindEnumTypeByName("csi.v1." + name).values_by_name[value].number

    def call(self, service, method, request_type, **fields):
        key = (service, method)
        if key not in self.calls:
            out = self.pool.FindServiceByName("csi.v1." + service).methods_by_name[method].output_type
            cls = message_factory.GetMessageClass(out) if hasattr(message_factory, "GetMessageClass") else self.factory.GetPrototype(out)
            self.calls[key] = self.channel.unary_unary("/csi.v1.%s/%s" % (service, method),
                                                       request_serializer=lambda m: m.SerializeToString(),
                                                       response_deserializer=cls.FromString)
        return self.calls[key](self.msg(request_type, **fields), timeout=120)

    # the capabilities tests use
    def mount_cap(self):
        return self.msg("VolumeCapability", mount=self.msg("VolumeCapability.MountVolume"),
                        access_mode=self.msg("VolumeCapability.AccessMode", mode=self.enum("VolumeCapability.AccessMode.Mode", "SINGLE_NODE_WRITER")))

    def block_cap(self):
        return self.msg("VolumeCapability", block=self.msg("VolumeCapability.BlockVolume"),
                        access_mode=self.msg("VolumeCapability.AccessMode", mode=self.enum("VolumeCapability.AccessMode.Mode", "SINGLE_NODE_WRITER")))


class Run:
    def __init__(self, csi, workdir, rest=None):
        self.rest = rest
        self.csi = csi
        self.workdir = workdir
        self.failed = []
        self.passed = 0
        self.volumes = []
        self.snapshots = []

    def check(self, name, fn):
        try:
            fn()
            self.passed += 1
            print("PASS", name, flush=True)
        except Exception as e:  # one check's failure is reported, the run goes on
            self.failed.append(name)
            print("FAIL", name, "-", e, flush=True)
            traceback.print_exc(file=sys.stdout)

    def expect(self, code, fn):
        try:
            fn()
        except grpc.RpcError as e:
            if e.code() != code:
                raise AssertionError("expected %s, got %s: %s" % (code, e.code(), e.details()))
            if not e.details():
                raise AssertionError("%s without a message" % code)
            return e
        raise AssertionError("expected %s, the call succeeded" % code)

    # ---- helpers ----
    def create(self, name, size=64 * MIB, block=False, **extra):
        cap = self.csi.block_cap() if block else self.csi.mount_cap()
        r = self.csi.call("Controller", "CreateVolume", "CreateVolumeRequest", name=name,
                          capacity_range=self.csi.msg("CapacityRange", required_bytes=size), volume_capabilities=[cap], **extra)
        self.volumes.append(r.volume.volume_id)
        return r.volume

    def snapshot(self, name, volume_id):
        r = self.csi.call("Controller", "CreateSnapshot", "CreateSnapshotRequest", name=name, source_volume_id=volume_id)
        self.snapshots.append(r.snapshot.snapshot_id)
        return r.snapshot

    def publish(self, volume_id, target, block=False, readonly=False):
        cap = self.csi.block_cap() if block else self.csi.mount_cap()
        self.csi.call("Node", "NodePublishVolume", "NodePublishVolumeRequest", volume_id=volume_id, target_path=target,
                      volume_capability=cap, readonly=readonly)

    def unpublish(self, volume_id, target):
        self.csi.call("Node", "NodeUnpublishVolume", "NodeUnpublishVolumeRequest", volume_id=volume_id, target_path=target)

    def cleanup(self):
        for s in reversed(self.snapshots):
            try:
                self.csi.call("Controller", "DeleteSnapshot", "DeleteSnapshotRequest", snapshot_id=s)
            except grpc.RpcError as e:
                print("cleanup: snapshot", s, e.code(), e.details())
        for v in reversed(self.volumes):
            try:
                self.csi.call("Controller", "DeleteVolume", "DeleteVolumeRequest", volume_id=v)
            except grpc.RpcError as e:
                print("cleanup: volume", v, e.code(), e.details())


def identity(run):
    c = run.csi

    def info():
        r = c.call("Identity", "GetPluginInfo", "GetPluginInfoRequest")
        assert r.name and "." in r.name, r
        assert r.vendor_version, r

    def caps():
        r = c.call("Identity", "GetPluginCapabilities", "GetPluginCapabilitiesRequest")
        types = {x.service.type for x in r.capabilities if x.HasField("service")}
        assert c.enum("PluginCapability.Service.Type", "CONTROLLER_SERVICE") in types, r

    def probe():
        r = c.call("Identity", "Probe", "ProbeRequest")
        assert r.ready.value, r

    run.check("Identity: GetPluginInfo names the driver and its version", info)
    run.check("Identity: GetPluginCapabilities offers the controller service", caps)
    run.check("Identity: Probe is ready", probe)


def controller(run):
    c = run.csi
    code = grpc.StatusCode

    def capabilities():
        r = c.call("Controller", "ControllerGetCapabilities", "ControllerGetCapabilitiesRequest")
        have = {x.rpc.type for x in r.capabilities}
        for t in ("CREATE_DELETE_VOLUME", "LIST_VOLUMES", "CREATE_DELETE_SNAPSHOT", "LIST_SNAPSHOTS", "CLONE_VOLUME", "EXPAND_VOLUME", "GET_CAPACITY"):
            assert c.enum("ControllerServiceCapability.RPC.Type", t) in have, t

    def create_arguments():
        run.expect(code.INVALID_ARGUMENT, lambda: c.call("Controller", "CreateVolume", "CreateVolumeRequest", volume_capabilities=[c.mount_cap()]))
        run.expect(code.INVALID_ARGUMENT, lambda: c.call("Controller", "CreateVolume", "CreateVolumeRequest", name="sanity-nocaps"))
        bad = c.msg("VolumeCapability", mount=c.msg("VolumeCapability.MountVolume"))  # no access mode
        run.expect(code.INVALID_ARGUMENT, lambda: c.call("Controller", "CreateVolume", "CreateVolumeRequest", name="sanity-nomode", volume_capabilities=[bad]))
        multi = c.msg("VolumeCapability", mount=c.msg("VolumeCapability.MountVolume"),
                      access_mode=c.msg("VolumeCapability.AccessMode", mode=c.enum("VolumeCapability.AccessMode.Mode", "MULTI_NODE_MULTI_WRITER")))
        run.expect(code.INVALID_ARGUMENT, lambda: c.call("Controller", "CreateVolume", "CreateVolumeRequest", name="sanity-multi", volume_capabilities=[multi]))
        run.expect(code.INVALID_ARGUMENT, lambda: c.call("Controller", "CreateVolume", "CreateVolumeRequest", name="sanity-badparam",
                                                         volume_capabilities=[c.mount_cap()], parameters={"no-such-parameter": "x"}))

    def create_idempotent():
        v1 = run.create("sanity-idempotent", 32 * MIB)
        v2 = run.create("sanity-idempotent", 32 * MIB)
        assert v1.volume_id == v2.volume_id, (v1, v2)
        assert v1.capacity_bytes >= 32 * MIB, v1
        run.expect(code.ALREADY_EXISTS, lambda: run.create("sanity-idempotent", 2 * GIB))
        long_name = "x" * 128
        v3 = run.create(long_name, 16 * MIB)
        assert v3.volume_id, v3
        assert run.create(long_name, 16 * MIB).volume_id == v3.volume_id
        odd = "sanity/odd name: ümlaut"
        assert run.create(odd, 16 * MIB).volume_id == run.create(odd, 16 * MIB).volume_id

    def validate():
        v = run.create("sanity-validate")
        run.expect(code.INVALID_ARGUMENT, lambda: c.call("Controller", "ValidateVolumeCapabilities", "ValidateVolumeCapabilitiesRequest", volume_capabilities=[c.mount_cap()]))
        run.expect(code.INVALID_ARGUMENT, lambda: c.call("Controller", "ValidateVolumeCapabilities", "ValidateVolumeCapabilitiesRequest", volume_id=v.volume_id))
        run.expect(code.NOT_FOUND, lambda: c.call("Controller", "ValidateVolumeCapabilities", "ValidateVolumeCapabilitiesRequest",
                                                  volume_id="no-such-volume", volume_capabilities=[c.mount_cap()]))
        r = c.call("Controller", "ValidateVolumeCapabilities", "ValidateVolumeCapabilitiesRequest", volume_id=v.volume_id, volume_capabilities=[c.mount_cap()])
        assert r.HasField("confirmed"), r
        r = c.call("Controller", "ValidateVolumeCapabilities", "ValidateVolumeCapabilitiesRequest", volume_id=v.volume_id, volume_capabilities=[c.block_cap()])
        assert not r.HasField("confirmed") and r.message, r

    def list_volumes():
        made = {run.create("sanity-list-%d" % i, 8 * MIB).volume_id for i in range(3)}
        seen, token, pages = set(), "", 0
        while True:
            r = c.call("Controller", "ListVolumes", "ListVolumesRequest", max_entries=2, starting_token=token)
            assert len(r.entries) <= 2, r
            seen.update(e.volume.volume_id for e in r.entries)
            pages += 1
            token = r.next_token
            if not token:
                break
        assert made <= seen, (made, seen)
        assert pages >= 2
        run.expect(code.ABORTED, lambda: c.call("Controller", "ListVolumes", "ListVolumesRequest", starting_token="not-a-token"))

    def capacity():
        r = c.call("Controller", "GetCapacity", "GetCapacityRequest")
        assert r.available_capacity > 0, r

    def expand():
        v = run.create("sanity-expand", 16 * MIB)
        run.expect(code.INVALID_ARGUMENT, lambda: c.call("Controller", "ControllerExpandVolume", "ControllerExpandVolumeRequest",
                                                         capacity_range=c.msg("CapacityRange", required_bytes=32 * MIB)))
        run.expect(code.INVALID_ARGUMENT, lambda: c.call("Controller", "ControllerExpandVolume", "ControllerExpandVolumeRequest", volume_id=v.volume_id))
        run.expect(code.NOT_FOUND, lambda: c.call("Controller", "ControllerExpandVolume", "ControllerExpandVolumeRequest", volume_id="no-such-volume",
                                                  capacity_range=c.msg("CapacityRange", required_bytes=32 * MIB)))
        r = c.call("Controller", "ControllerExpandVolume", "ControllerExpandVolumeRequest", volume_id=v.volume_id,
                   capacity_range=c.msg("CapacityRange", required_bytes=48 * MIB))
        assert r.capacity_bytes >= 48 * MIB, r

    def delete():
        run.expect(code.INVALID_ARGUMENT, lambda: c.call("Controller", "DeleteVolume", "DeleteVolumeRequest"))
        c.call("Controller", "DeleteVolume", "DeleteVolumeRequest", volume_id="no-such-volume")
        v = run.create("sanity-delete")
        c.call("Controller", "DeleteVolume", "DeleteVolumeRequest", volume_id=v.volume_id)
        c.call("Controller", "DeleteVolume", "DeleteVolumeRequest", volume_id=v.volume_id)
        r = c.call("Controller", "ListVolumes", "ListVolumesRequest")
        assert v.volume_id not in {e.volume.volume_id for e in r.entries}

    def missing_sources():
        src = c.msg("VolumeContentSource", snapshot=c.msg("VolumeContentSource.SnapshotSource", snapshot_id="no-such-snapshot"))
        run.expect(code.NOT_FOUND, lambda: run.create("sanity-from-missing-snapshot", volume_content_source=src))
        src = c.msg("VolumeContentSource", volume=c.msg("VolumeContentSource.VolumeSource", volume_id="no-such-volume"))
        run.expect(code.NOT_FOUND, lambda: run.create("sanity-from-missing-volume", volume_content_source=src))

    def same_name_at_once():
        # two calls for the same name at once: one volume, the other call waits its turn or is ABORTED
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            futures = [pool.submit(run.create, "sanity-concurrent", 16 * MIB) for _ in range(4)]
        ids, aborted = set(), 0
        for f in futures:
            try:
                ids.add(f.result().volume_id)
            except grpc.RpcError as e:
                assert e.code() == code.ABORTED, e
                aborted += 1
        assert len(ids) == 1, ids
        assert aborted < 4

    run.check("Controller: capabilities", capabilities)
    run.check("Controller: CreateVolume refuses a missing name, capabilities, access mode, multi-node, unknown parameters", create_arguments)
    run.check("Controller: CreateVolume is idempotent by name, ALREADY_EXISTS for another size, 128-character and odd names", create_idempotent)
    run.check("Controller: ValidateVolumeCapabilities", validate)
    run.check("Controller: ListVolumes pages with max_entries and next_token; ABORTED for a bad token", list_volumes)
    run.check("Controller: GetCapacity", capacity)
    run.check("Controller: ControllerExpandVolume", expand)
    run.check("Controller: DeleteVolume is idempotent", delete)
    run.check("Controller: CreateVolume from a missing snapshot or volume is NOT_FOUND", missing_sources)
    run.check("Controller: concurrent CreateVolume of one name makes one volume", same_name_at_once)


def snapshots(run):
    c = run.csi
    code = grpc.StatusCode

    def create():
        v = run.create("sanity-snap-source")
        other = run.create("sanity-snap-other")
        run.expect(code.INVALID_ARGUMENT, lambda: c.call("Controller", "CreateSnapshot", "CreateSnapshotRequest", source_volume_id=v.volume_id))
        run.expect(code.INVALID_ARGUMENT, lambda: c.call("Controller", "CreateSnapshot", "CreateSnapshotRequest", name="sanity-snap-nosource"))
        s1 = run.snapshot("sanity-snap", v.volume_id)
        assert s1.ready_to_use and s1.source_volume_id == v.volume_id and s1.creation_time.seconds > 0, s1
        s2 = run.snapshot("sanity-snap", v.volume_id)
        assert s1.snapshot_id == s2.snapshot_id
        run.expect(code.ALREADY_EXISTS, lambda: run.snapshot("sanity-snap", other.volume_id))
        run.expect(code.NOT_FOUND, lambda: run.snapshot("sanity-snap-of-nothing", "no-such-volume"))
        assert run.snapshot("s" * 128, v.volume_id).snapshot_id

    def delete():
        run.expect(code.INVALID_ARGUMENT, lambda: c.call("Controller", "DeleteSnapshot", "DeleteSnapshotRequest"))
        r = c.call("Controller", "DeleteSnapshot", "DeleteSnapshotRequest", snapshot_id="no-such-snapshot")
        assert r.ByteSize() == 0

    def listing():
        v = run.create("sanity-snaplist-source")
        made = [run.snapshot("sanity-snaplist-%d" % i, v.volume_id).snapshot_id for i in range(3)]
        r = c.call("Controller", "ListSnapshots", "ListSnapshotsRequest")
        for e in r.entries:
            assert e.snapshot.snapshot_id and e.snapshot.source_volume_id and e.snapshot.creation_time.seconds > 0, e
        r = c.call("Controller", "ListSnapshots", "ListSnapshotsRequest", snapshot_id=made[0])
        assert [e.snapshot.snapshot_id for e in r.entries] == [made[0]], r
        r = c.call("Controller", "ListSnapshots", "ListSnapshotsRequest", snapshot_id="no-such-snapshot")
        assert len(r.entries) == 0
        r = c.call("Controller", "ListSnapshots", "ListSnapshotsRequest", source_volume_id=v.volume_id)
        assert sorted(e.snapshot.snapshot_id for e in r.entries) == sorted(made), r
        r = c.call("Controller", "ListSnapshots", "ListSnapshotsRequest", source_volume_id="no-such-volume")
        assert len(r.entries) == 0
        seen, token = [], ""
        while True:
            r = c.call("Controller", "ListSnapshots", "ListSnapshotsRequest", source_volume_id=v.volume_id, max_entries=2, starting_token=token)
            assert len(r.entries) <= 2
            seen += [e.snapshot.snapshot_id for e in r.entries]
            token = r.next_token
            if not token:
                break
        assert sorted(seen) == sorted(made), seen
        run.expect(code.ABORTED, lambda: c.call("Controller", "ListSnapshots", "ListSnapshotsRequest", starting_token="bogus"))
        extra = run.snapshot("sanity-snaplist-new", v.volume_id).snapshot_id
        assert extra in {e.snapshot.snapshot_id for e in c.call("Controller", "ListSnapshots", "ListSnapshotsRequest").entries}
        c.call("Controller", "DeleteSnapshot", "DeleteSnapshotRequest", snapshot_id=extra)
        assert extra not in {e.snapshot.snapshot_id for e in c.call("Controller", "ListSnapshots", "ListSnapshotsRequest").entries}

    def get():
        v = run.create("sanity-snapget-source")
        s = run.snapshot("sanity-snapget", v.volume_id)
        r = c.call("Controller", "GetSnapshot", "GetSnapshotRequest", snapshot_id=s.snapshot_id)
        assert r.snapshot.snapshot_id == s.snapshot_id, r
        run.expect(code.NOT_FOUND, lambda: c.call("Controller", "GetSnapshot", "GetSnapshotRequest", snapshot_id="no-such-snapshot"))
        run.expect(code.INVALID_ARGUMENT, lambda: c.call("Controller", "GetSnapshot", "GetSnapshotRequest"))

    def volume_from_snapshot():
        v = run.create("sanity-restore-source")
        s = run.snapshot("sanity-restore-snap", v.volume_id)
        src = c.msg("VolumeContentSource", snapshot=c.msg("VolumeContentSource.SnapshotSource", snapshot_id=s.snapshot_id))
        r = run.create("sanity-restored", volume_content_source=src)
        assert r.content_source.snapshot.snapshot_id == s.snapshot_id, r
        run.expect(code.INVALID_ARGUMENT, lambda: run.create("sanity-restored-as-block", block=True, volume_content_source=src))
        clone_src = c.msg("VolumeContentSource", volume=c.msg("VolumeContentSource.VolumeSource", volume_id=v.volume_id))
        r = run.create("sanity-clone", volume_content_source=clone_src)
        assert r.content_source.volume.volume_id == v.volume_id, r

    def off_host():
        v = run.create("sanity-offhost-source")
        params = {"backupRepository": "local", "container": "csi-offhost"}
        run.expect(code.INVALID_ARGUMENT, lambda: c.call("Controller", "CreateSnapshot", "CreateSnapshotRequest", name="sanity-offhost-bad",
                                                         source_volume_id=v.volume_id, parameters={"container": "x"}))
        s = c.call("Controller", "CreateSnapshot", "CreateSnapshotRequest", name="sanity-offhost", source_volume_id=v.volume_id, parameters=params).snapshot
        run.snapshots.append(s.snapshot_id)
        deadline = time.time() + 120
        while not s.ready_to_use:  # cut, then ready once the off-host backup is available: the CO asks again
            assert time.time() < deadline, "the off-host copy did not become ready in 2 minutes"
            time.sleep(0.5)
            s = c.call("Controller", "CreateSnapshot", "CreateSnapshotRequest", name="sanity-offhost", source_volume_id=v.volume_id, parameters=params).snapshot
        if run.rest:
            backups = json.load(urllib.request.urlopen(run.rest + "/api/v1/backups"))["backups"]
            mine = [b for b in backups if b.get("snapshot_id") == s.snapshot_id]
            assert len(mine) == 1 and mine[0]["status"] == "available" and mine[0]["container"] == "csi-offhost", mine
        r = c.call("Controller", "GetSnapshot", "GetSnapshotRequest", snapshot_id=s.snapshot_id)
        assert r.snapshot.ready_to_use, r

    run.check("Snapshots: CreateSnapshot arguments, idempotency, ALREADY_EXISTS, NOT_FOUND, 128-character name", create)
    run.check("Snapshots: backupRepository makes the snapshot an off-host backup, ready once it is available", off_host)
    run.check("Snapshots: DeleteSnapshot of an unknown id succeeds, empty response", delete)
    run.check("Snapshots: ListSnapshots fields, filters, paging, appears and disappears", listing)
    run.check("Snapshots: GetSnapshot", get)
    run.check("Snapshots: a volume from a snapshot and from a volume carries its content source", volume_from_snapshot)


def node(run):
    c = run.csi
    code = grpc.StatusCode

    def info():
        r = c.call("Node", "NodeGetInfo", "NodeGetInfoRequest")
        assert r.node_id, r
        assert r.accessible_topology.segments, r
        r = c.call("Node", "NodeGetCapabilities", "NodeGetCapabilitiesRequest")
        assert c.enum("NodeServiceCapability.RPC.Type", "GET_VOLUME_STATS") in {x.rpc.type for x in r.capabilities}, r

    def publish():
        v = run.create("sanity-publish")
        target = os.path.join(run.workdir, "target-publish")
        run.expect(code.INVALID_ARGUMENT, lambda: c.call("Node", "NodePublishVolume", "NodePublishVolumeRequest", target_path=target, volume_capability=c.mount_cap()))
        run.expect(code.INVALID_ARGUMENT, lambda: c.call("Node", "NodePublishVolume", "NodePublishVolumeRequest", volume_id=v.volume_id, volume_capability=c.mount_cap()))
        run.expect(code.INVALID_ARGUMENT, lambda: c.call("Node", "NodePublishVolume", "NodePublishVolumeRequest", volume_id=v.volume_id, target_path=target))
        run.expect(code.NOT_FOUND, lambda: run.publish("no-such-volume", target))
        run.publish(v.volume_id, target)
        run.publish(v.volume_id, target)  # idempotent
        assert mounted(target), "nothing is mounted at " + target
        with open(os.path.join(target, "hello"), "w") as f:
            f.write("hello")
        run.expect(code.INVALID_ARGUMENT, lambda: c.call("Node", "NodeGetVolumeStats", "NodeGetVolumeStatsRequest", volume_path=target))
        run.expect(code.INVALID_ARGUMENT, lambda: c.call("Node", "NodeGetVolumeStats", "NodeGetVolumeStatsRequest", volume_id=v.volume_id))
        run.expect(code.NOT_FOUND, lambda: c.call("Node", "NodeGetVolumeStats", "NodeGetVolumeStatsRequest", volume_id="no-such-volume", volume_path=target))
        r = c.call("Node", "NodeGetVolumeStats", "NodeGetVolumeStatsRequest", volume_id=v.volume_id, volume_path=target)
        assert any(u.total > 0 for u in r.usage), r
        run.expect(code.INVALID_ARGUMENT, lambda: c.call("Node", "NodeUnpublishVolume", "NodeUnpublishVolumeRequest", target_path=target))
        run.expect(code.INVALID_ARGUMENT, lambda: c.call("Node", "NodeUnpublishVolume", "NodeUnpublishVolumeRequest", volume_id=v.volume_id))
        run.unpublish(v.volume_id, target)
        assert not os.path.exists(target)
        run.unpublish(v.volume_id, target)  # idempotent

    def readonly():
        v = run.create("sanity-readonly")
        target = os.path.join(run.workdir, "target-ro")
        run.publish(v.volume_id, target, readonly=True)
        try:
            open(os.path.join(target, "x"), "w").close()
            raise AssertionError("a read-only publish took a write")
        except OSError:
            pass
        finally:
            run.unpublish(v.volume_id, target)

    run.check("Node: NodeGetInfo with topology, NodeGetCapabilities", info)
    run.check("Node: publish, stats and unpublish, arguments and idempotency", publish)
    run.check("Node: a read-only publish refuses writes", readonly)


def mounted(path):
    """True when something is mounted at path (a bind mount from the same file system included, which os.path.ismount misses)."""
    want = os.path.realpath(path)
    with open("/proc/self/mountinfo") as f:
        return any(line.split()[4].encode().decode("unicode_escape") == want for line in f)


def digest(path):
    h = hashlib.sha256()
    for root, dirs, files in sorted(os.walk(path)):
        dirs.sort()
        for f in sorted(files):
            p = os.path.join(root, f)
            h.update(os.path.relpath(p, path).encode())
            with open(p, "rb") as fh:
                h.update(fh.read())
    return h.hexdigest()


def data(run):
    def mount_volume():
        v = run.create("data-mount", 256 * MIB)
        target = os.path.join(run.workdir, "data-mount")
        run.publish(v.volume_id, target)
        if run.rest:  # published: in-use in the catalog, so that a backup copies a clone of it
            shown = json.load(urllib.request.urlopen(run.rest + "/api/v1/volumes/" + v.volume_id))["volume"]
            assert shown["status"] == "in-use" and shown["attached_to"].startswith("csi-"), "a published volume is %s, attached to %s" % (
                shown["status"], shown["attached_to"])
        os.makedirs(os.path.join(target, "base", "16384"))
        with open(os.path.join(target, "base", "16384", "16385"), "wb") as f:
            f.write(os.urandom(16 * MIB))
        with open(os.path.join(target, "PG_VERSION"), "w") as f:
            f.write("15\n")
        before = digest(target)
        s = run.snapshot("data-mount-snap", v.volume_id)
        with open(os.path.join(target, "base", "16384", "16385"), "r+b") as f:
            f.seek(MIB)
            f.write(os.urandom(8192))
        os.remove(os.path.join(target, "PG_VERSION"))
        after = digest(target)
        assert after != before
        src = run.csi.msg("VolumeContentSource", snapshot=run.csi.msg("VolumeContentSource.SnapshotSource", snapshot_id=s.snapshot_id))
        r = run.create("data-mount-restored", 256 * MIB, volume_content_source=src)
        restored = os.path.join(run.workdir, "data-mount-restored")
        run.publish(r.volume_id, restored)
        try:
            assert digest(restored) == before, "the volume from the snapshot differs from the data at the snapshot"
            assert digest(target) == after, "the source changed"
        finally:
            run.unpublish(r.volume_id, restored)
            run.unpublish(v.volume_id, target)
        if run.rest:
            shown = json.load(urllib.request.urlopen(run.rest + "/api/v1/volumes/" + v.volume_id))["volume"]
            assert shown["status"] == "available" and shown["attached_to"] is None, "an unpublished volume is %s, attached to %s" % (
                shown["status"], shown["attached_to"])

    def block_volume():
        v = run.create("data-block", 64 * MIB, block=True)
        target = os.path.join(run.workdir, "data-block")
        run.publish(v.volume_id, target, block=True)
        first = os.urandom(4 * MIB)
        with open(target, "r+b") as f:
            f.write(first)
            f.flush()
            os.fsync(f.fileno())
        s = run.snapshot("data-block-snap", v.volume_id)
        with open(target, "r+b") as f:
            f.write(os.urandom(MIB))
            f.flush()
            os.fsync(f.fileno())
        src = run.csi.msg("VolumeContentSource", snapshot=run.csi.msg("VolumeContentSource.SnapshotSource", snapshot_id=s.snapshot_id))
        r = run.create("data-block-restored", 64 * MIB, block=True, volume_content_source=src)
        restored = os.path.join(run.workdir, "data-block-restored")
        run.publish(r.volume_id, restored, block=True)
        try:
            with open(restored, "rb") as f:
                got = f.read(4 * MIB)
            assert got == first, "the block volume from the snapshot differs from the data at the snapshot"
            with open(target, "rb") as f:
                assert f.read(4 * MIB) != first, "the source did not change"
        finally:
            run.unpublish(r.volume_id, restored)
            run.unpublish(v.volume_id, target)

    run.check("Data: a mount volume from a snapshot holds the data as it was, bit for bit", mount_volume)
    run.check("Data: a block volume from a snapshot holds the data as it was, bit for bit", block_volume)


def cross_node(run, other, repository):
    def snapshot_on_one_node_volume_on_another():
        v = run.create("xnode-src", 64 * MIB)
        target = os.path.join(run.workdir, "xnode-src")
        run.publish(v.volume_id, target)
        try:
            copy_to_the_other_node(v, target)
        finally:  # a failed check must not leave the source published
            run.unpublish(v.volume_id, target)

    def copy_to_the_other_node(v, target):
        with open(os.path.join(target, "16385"), "wb") as f:
            f.write(os.urandom(8 * MIB))
        before = digest(target)
        request = dict(name="xnode-snap", source_volume_id=v.volume_id, parameters={"backupRepository": repository})
        snap = run.csi.call("Controller", "CreateSnapshot", "CreateSnapshotRequest", **request).snapshot
        run.snapshots.append(snap.snapshot_id)
        deadline = time.time() + 180
        while not snap.ready_to_use:  # the sidecar calls again until the off-host copy is done
            assert time.time() < deadline, "the snapshot's off-host copy did not become ready"
            time.sleep(0.5)
            snap = run.csi.call("Controller", "CreateSnapshot", "CreateSnapshotRequest", **request).snapshot
        with open(os.path.join(target, "16385"), "r+b") as f:
            f.write(os.urandom(8192))
        src = other.csi.msg("VolumeContentSource", snapshot=other.csi.msg("VolumeContentSource.SnapshotSource", snapshot_id=snap.snapshot_id))
        while True:  # ABORTED while the restore runs: the provisioner retries, so do we
            try:
                made = other.create("xnode-restored", 64 * MIB, volume_content_source=src)
                break
            except grpc.RpcError as e:
                if e.code() != grpc.StatusCode.ABORTED or time.time() > deadline:
                    raise
                time.sleep(1)
        here = run.csi.call("Node", "NodeGetInfo", "NodeGetInfoRequest").node_id
        there = other.csi.call("Node", "NodeGetInfo", "NodeGetInfoRequest").node_id
        assert here != there, "both endpoints are node %s" % here
        segments = [t.segments.get("topology.coffer.io/node") for t in made.accessible_topology]
        assert segments == [there], "the new volume is accessible on %s, not on node %s" % (segments, there)
        restored = os.path.join(other.workdir, "xnode-restored")
        other.publish(made.volume_id, restored)
        try:
            assert digest(restored) == before, "the volume on node %s differs from the data at the snapshot on node %s" % (there, here)
        finally:
            other.unpublish(made.volume_id, restored)

    run.check("Data: a snapshot of one node, copied off-host, is a volume on another node, bit for bit", snapshot_on_one_node_volume_on_another)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--descriptor", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--rest", help="the server's REST API (http://HOST:PORT), to see what the driver made there")
    ap.add_argument("--keep", help="at the end, create a mount volume of this name and leave it")
    ap.add_argument("--other-endpoint", help="a second node's driver: run only the cross-node check")
    ap.add_argument("--repository", help="with --other-endpoint: the repository of the snapshot's off-host copy")
    a = ap.parse_args()
    os.makedirs(a.workdir, exist_ok=True)
    run = Run(Csi(a.descriptor, a.endpoint), a.workdir, a.rest)
    if a.other_endpoint:
        other_dir = os.path.join(a.workdir, "other-node")
        os.makedirs(other_dir, exist_ok=True)
        other = Run(Csi(a.descriptor, a.other_endpoint), other_dir)
        try:
            cross_node(run, other, a.repository)
        finally:
            other.cleanup()
            run.cleanup()
        print("%d passed, %d failed%s" % (run.passed, len(run.failed), (": " + "; ".join(run.failed)) if run.failed else ""))
        sys.exit(1 if run.failed else 0)
    try:
        for part in (identity, controller, snapshots, node, data):
            part(run)
    finally:
        run.cleanup()
    if a.keep:
        r = run.csi.call("Controller", "CreateVolume", "CreateVolumeRequest", name=a.keep, volume_capabilities=[run.csi.mount_cap()],
                         parameters={"csi.storage.k8s.io/pvc/name": "data-pg-0", "csi.storage.k8s.io/pvc/namespace": "dbaas"})
        print("kept volume", r.volume.volume_id)
    print("%d passed, %d failed%s" % (run.passed, len(run.failed), (": " + "; ".join(run.failed)) if run.failed else ""))
    sys.exit(1 if run.failed else 0)


if __name__ == "__main__":
    main()
