package io.coffer.server.cinder;

import com.fasterxml.jackson.databind.JsonNode;
import io.coffer.catalog.Snapshot;
import io.coffer.catalog.Volume;
import io.coffer.service.CofferService;
import io.coffer.service.Requests;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Cinder's volume and snapshot endpoints, as far as the backup workflow and the clients need
 * them: create (a size in GiB, from a snapshot, from a backup), list, show, delete.
 */
final class CinderVolumes {
    private final CofferService svc;

    CinderVolumes(CofferService svc) {
        this.svc = svc;
    }

    /** A volume this caller may see (another project's is not found, as in Cinder). */
    static Volume volume(CofferService svc, String id, Request r) {
        return svc.catalog().volume(id).filter(v -> r.sees(v.labels())).orElseThrow(() -> CinderFault.notFound("Volume " + id + " could not be found."));
    }

    private Snapshot snapshot(String id, Request r) {
        return svc.catalog().snapshot(id).filter(s -> r.sees(s.labels())).orElseThrow(() -> CinderFault.notFound("Snapshot " + id + " could not be found."));
    }

    void route(Context ctx, String kind, String method, String id, String sub, Request r, CinderApi.BodyOf body) throws IOException {
        boolean volumes = kind.equals("volumes");
        if (volumes && "action".equals(sub) && method.equals("POST")) {
            action(ctx, id, r, body);
            return;
        }
        if (sub != null) throw CinderFault.notFound("The resource could not be found.");
        if (id == null || id.equals("detail")) {
            switch (method) {
                case "GET" -> {
                    boolean detail = id != null;
                    if (volumes) {
                        var list = svc.volumes().stream().filter(v -> r.sees(v.labels())).sorted(Comparator.comparing(Volume::createdAt).reversed())
                                .map(v -> detail ? CinderViews.volumeDetail(v, r) : CinderViews.volumeSummary(v, r)).toList();
                        ctx.json(Map.of("volumes", list));
                    } else {
                        var list = svc.snapshots().stream().filter(s -> r.sees(s.labels())).sorted(Comparator.comparing(Snapshot::createdAt).reversed())
                                .map(s -> CinderViews.snapshotDetail(s, r)).toList();
                        ctx.json(Map.of("snapshots", list));
                    }
                }
                case "POST" -> {
                    if (id != null) throw new CinderFault(405, "The method POST is not allowed here.");
                    if (volumes) createVolume(ctx, r, body);
                    else createSnapshot(ctx, r, body);
                }
                default -> throw new CinderFault(405, "The method " + method + " is not allowed here.");
            }
            return;
        }
        switch (method) {
            case "GET" -> {
                if (volumes) ctx.json(Map.of("volume", CinderViews.volumeDetail(volume(svc, id, r), r)));
                else ctx.json(Map.of("snapshot", CinderViews.snapshotDetail(snapshot(id, r), r)));
            }
            case "DELETE" -> {
                if (volumes) {
                    Volume v = volume(svc, id, r);
                    if (v.attachedTo() != null || v.busy()) {
                        throw CinderFault.badRequest("Invalid volume: Volume status must be available or error or error_restoring or error_extending or"
                                + " error_managing and must not be migrating, attached, belong to a group, have snapshots, awaiting a transfer,"
                                + " or be disassociated from snapshots after volume transfer.");
                    }
                    svc.deleteVolume(v.id(), "true".equalsIgnoreCase(ctx.queryParam("cascade")));
                } else {
                    svc.deleteSnapshot(snapshot(id, r).id());
                }
                ctx.status(202);
            }
            default -> throw new CinderFault(405, "The method " + method + " is not allowed here.");
        }
    }

    /** {@code os-attach} (to the instance or host named) and {@code os-detach}: 202. */
    private void action(Context ctx, String id, Request r, CinderApi.BodyOf body) throws IOException {
        JsonNode root = body.of(ctx, null, Set.of("os-attach", "os-detach"), true);
        Volume v = volume(svc, id, r);
        if (root.has("os-attach")) {
            JsonNode a = body.of(ctx, "os-attach", Set.of("instance_uuid", "host_name", "mountpoint", "mode"), true);
            String to = Fields.text(a, "os-attach", "instance_uuid", 255);
            if (to == null) to = Fields.text(a, "os-attach", "host_name", 255);
            if (to == null) throw CinderFault.badRequest("Invalid request to attach volume to an invalid target");
            if (v.status() != Volume.Status.AVAILABLE) throw CinderFault.badRequest("Invalid volume: Volume status must be available to reserve, but the status is " + v.status().id + ".");
            svc.attach(v.id(), to);
        } else {
            if (v.status() != Volume.Status.IN_USE) throw CinderFault.badRequest("Invalid volume: Unable to detach volume. Volume status must be 'in-use' and attach_status must be 'attached' to detach.");
            svc.detach(v.id());
        }
        ctx.status(202);
    }

    private static final Set<String> VOLUME_FIELDS = Set.of("size", "name", "description", "metadata", "snapshot_id", "availability_zone",
            "volume_type", "source_volid", "imageRef", "consistencygroup_id", "multiattach", "scheduler_hints", "group_id");

    private void createVolume(Context ctx, Request r, CinderApi.BodyOf body) throws IOException {
        Set<String> allowed = new HashSet<>(VOLUME_FIELDS);
        if (r.version().atLeast(47)) allowed.add("backup_id");
        JsonNode b = body.of(ctx, "volume", allowed, true);
        for (String unsupported : List.of("source_volid", "imageRef", "consistencygroup_id", "group_id")) {
            if (b.hasNonNull(unsupported)) throw CinderFault.badRequest("Invalid input received: " + unsupported + " is not supported by Coffer");
        }
        String type = Fields.text(b, "volume", "volume_type", 255);
        String driver = type == null || type.equals("__DEFAULT__") ? "dir" : type;
        String name = Fields.text(b, "volume", "name", 255);
        Map<String, String> labels = r.tagged(Fields.map(b, "volume", "metadata"));
        String description = Fields.text(b, "volume", "description", 255);
        if (description != null) labels.put(CinderViews.DESCRIPTION, description);
        String backupId = Fields.text(b, "volume", "backup_id", 255);
        if (backupId != null) {
            // a volume made from a backup is a restore into a new volume
            var backup = svc.catalog().backup(backupId).filter(x -> r.sees(x.metadata()))
                    .orElseThrow(() -> CinderFault.notFound("Backup " + backupId + " could not be found."));
            var a = svc.restore(backup.id(), new Requests.Restore(null, name), Map.of(Request.PROJECT, r.project()));
            ctx.status(202).json(Map.of("volume", CinderViews.volumeDetail(volume(svc, a.volumeId(), r), r)));
            return;
        }
        JsonNode size = b.get("size");
        String snapshotId = Fields.text(b, "volume", "snapshot_id", 255);
        if (snapshotId != null) snapshotId = snapshot(snapshotId, r).id();
        String sizeText;
        if (size == null || size.isNull()) {
            if (snapshotId == null) throw CinderFault.badRequest("Invalid input received: Size must be specified when not creating from a snapshot or a backup");
            sizeText = null;
        } else {
            int gib = size.isInt() ? size.asInt() : size.isTextual() && size.asText().matches("[0-9]{1,9}") ? Integer.parseInt(size.asText()) : -1;
            if (gib < 1) throw CinderFault.badRequest("Invalid input for field/attribute size. Value: " + size + ". " + size + " is less than the minimum of 1");
            sizeText = gib + "GiB";
        }
        if (name == null) name = "volume-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        Volume v = svc.createVolume(new Requests.CreateVolume(name, sizeText, driver, labels, snapshotId));
        ctx.status(202).json(Map.of("volume", CinderViews.volumeDetail(v, r)));
    }

    private void createSnapshot(Context ctx, Request r, CinderApi.BodyOf body) throws IOException {
        JsonNode b = body.of(ctx, "snapshot", Set.of("volume_id", "name", "description", "metadata", "force"), true);
        String volumeId = Fields.text(b, "snapshot", "volume_id", 255);
        if (volumeId == null) throw CinderFault.badRequest("Invalid input for field/attribute snapshot. Value: " + b + ". 'volume_id' is a required property");
        Volume v = volume(svc, volumeId, r);
        Map<String, String> labels = r.tagged(Fields.map(b, "snapshot", "metadata"));
        String description = Fields.text(b, "snapshot", "description", 255);
        if (description != null) labels.put(CinderViews.DESCRIPTION, description);
        Snapshot s = svc.createSnapshot(new Requests.CreateSnapshot(v.id(), Fields.text(b, "snapshot", "name", 255), labels));
        ctx.status(202).json(Map.of("snapshot", CinderViews.snapshotDetail(s, r)));
    }
}
