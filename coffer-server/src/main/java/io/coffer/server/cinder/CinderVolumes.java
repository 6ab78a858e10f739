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
 * them: create (a size in GiB, from a snapshot, from a backup), list, show, update, delete, and
 * the actions attach, detach, extend and reset-status.
 */
final class CinderVolumes {
    /** The list filters implemented (a member's others are a 400 from 3.31, see Request.rejectInvalidFilters). */
    static final java.util.Set<String> VOLUME_FILTERS = java.util.Set.of("name", "status");
    static final java.util.Set<String> SNAPSHOT_FILTERS = java.util.Set.of("name", "status", "volume_id");

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
                    boolean allTenants = Request.allTenants(ctx.queryParam("all_tenants"));
                    String name = ctx.queryParam("name"), status = ctx.queryParam("status"), volumeId = ctx.queryParam("volume_id");
                    if (volumes) {
                        r.rejectInvalidFilters(ctx.queryParamMap().keySet(), VOLUME_FILTERS);
                        var list = svc.volumes().stream().filter(v -> r.lists(v.labels(), allTenants))
                                .filter(v -> (name == null || name.equals(CinderViews.volumeName(v))) && (status == null || status.equals(v.status().id)))
                                .sorted(Comparator.comparing(Volume::createdAt).reversed())
                                .map(v -> detail ? CinderViews.volumeDetail(v, r) : CinderViews.volumeSummary(v, r)).toList();
                        ctx.json(Map.of("volumes", list));
                    } else {
                        r.rejectInvalidFilters(ctx.queryParamMap().keySet(), SNAPSHOT_FILTERS);
                        var list = svc.snapshots().stream().filter(s -> r.lists(s.labels(), allTenants))
                                .filter(s -> (name == null || name.equals(s.name())) && (status == null || status.equals(s.status().id))
                                        && (volumeId == null || volumeId.equals(s.volumeId())))
                                .sorted(Comparator.comparing(Snapshot::createdAt).reversed())
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
            case "PUT" -> {
                if (!volumes) throw new CinderFault(405, "The method PUT is not allowed here.");
                update(ctx, id, r, body);
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

    /** {@code PUT /volumes/{id}}: name, description, metadata (all of it); 200 with the volume. */
    private void update(Context ctx, String id, Request r, CinderApi.BodyOf body) throws IOException {
        JsonNode b = body.of(ctx, "volume", Set.of("name", "description", "display_name", "display_description", "metadata"), true);
        Volume v = volume(svc, id, r);
        String name = Fields.text(b, "volume", "name", 255);
        if (name == null) name = Fields.text(b, "volume", "display_name", 255);
        String description = Fields.text(b, "volume", "description", 255);
        if (description == null) description = Fields.text(b, "volume", "display_description", 255);
        Map<String, String> labels = null;
        if (b.has("metadata") || description != null || name != null) {
            Map<String, String> old = v.labels();
            Map<String, String> next = b.has("metadata") ? Request.keepProject(Fields.map(b, "volume", "metadata"), old) : new java.util.LinkedHashMap<>(old);
            for (String kept : List.of(CinderViews.DESCRIPTION, CinderViews.DISPLAY_NAME)) {
                if (b.has("metadata") && old.containsKey(kept)) next.put(kept, old.get(kept));
            }
            if (description != null) next.put(CinderViews.DESCRIPTION, description);
            labels = next;
        }
        name = cofferName(svc, name, v.id(), labels);
        Volume u = svc.updateVolume(v.id(), name, labels);
        ctx.json(Map.of("volume", CinderViews.volumeDetail(u, r)));
    }

    /** The volume actions: {@code os-attach}, {@code os-detach}, {@code os-extend}, {@code os-reset_status}; 202. */
    private void action(Context ctx, String id, Request r, CinderApi.BodyOf body) throws IOException {
        JsonNode root = body.of(ctx, null, Set.of("os-attach", "os-detach", "os-extend", "os-reset_status"), true);
        Volume v = volume(svc, id, r);
        if (root.has("os-attach")) {
            JsonNode a = body.of(ctx, "os-attach", Set.of("instance_uuid", "host_name", "mountpoint", "mode"), true);
            String to = Fields.text(a, "os-attach", "instance_uuid", 255);
            if (to == null) to = Fields.text(a, "os-attach", "host_name", 255);
            if (to == null) throw CinderFault.badRequest("Invalid request to attach volume to an invalid target");
            if (v.status() != Volume.Status.AVAILABLE) throw CinderFault.badRequest("Invalid volume: Volume status must be available to reserve, but the status is " + v.status().id + ".");
            svc.attach(v.id(), to);
        } else if (root.has("os-detach")) {
            if (v.status() != Volume.Status.IN_USE) throw CinderFault.badRequest("Invalid volume: Unable to detach volume. Volume status must be 'in-use' and attach_status must be 'attached' to detach.");
            svc.detach(v.id());
        } else if (root.has("os-extend")) {
            extend(v, body.of(ctx, "os-extend", Set.of("new_size"), true), r);
        } else {
            resetStatus(v, body.of(ctx, "os-reset_status", Set.of("status", "attach_status", "migration_status"), true), r);
        }
        ctx.status(202);
    }

    /** {@code os-extend}: a larger size in GiB; an in-use volume from 3.42, as in Cinder. */
    private void extend(Volume v, JsonNode a, Request r) throws IOException {
        JsonNode size = a.get("new_size");
        int gib = size == null ? -1 : size.isInt() ? size.asInt() : size.isTextual() && size.asText().matches("[0-9]{1,9}") ? Integer.parseInt(size.asText()) : -1;
        if (gib < 1) throw CinderFault.badRequest("Invalid input for field/attribute new_size. Value: " + size + ". " + size + " is not a valid size");
        boolean inUseOk = r.version().atLeast(42);
        if (v.status() != Volume.Status.AVAILABLE && !(inUseOk && v.status() == Volume.Status.IN_USE)) {
            throw CinderFault.badRequest("Invalid volume: Volume " + v.id() + " status must be 'available'" + (inUseOk ? " or 'in-use'" : "")
                    + " to extend, but current status is: " + v.status().id + ".");
        }
        long current = CinderViews.gib(v.sizeBytes());
        if (gib <= current) {
            throw CinderFault.badRequest("Invalid input received: New size for extend must be greater than current size. (current: " + current + ", extended: " + gib + ").");
        }
        svc.extendVolume(v.id(), gib + "GiB");
    }

    /** {@code os-reset_status} (admins): available or error; attach_status detached goes with available. */
    private void resetStatus(Volume v, JsonNode a, Request r) {
        if (!r.admin()) throw new CinderFault(403, "Policy doesn't allow volume_extension:volume_admin_actions:reset_status to be performed.");
        String status = Fields.text(a, "os-reset_status", "status", 255);
        String attach = Fields.text(a, "os-reset_status", "attach_status", 255);
        if (status == null && attach == null) {
            if (!a.has("migration_status")) throw CinderFault.badRequest("Must specify 'status', 'attach_status' or 'migration_status' for update.");
            return; // no volume migrates here: nothing to reset
        }
        if (status == null) status = "detached".equals(attach) ? "available" : v.status().id;
        Volume.Status to = switch (status.toLowerCase(java.util.Locale.ROOT)) {
            case "available" -> Volume.Status.AVAILABLE;
            case "error" -> Volume.Status.ERROR;
            default -> throw CinderFault.badRequest("Invalid input received: Coffer sets a volume's status by hand to available or error only, not '" + status
                    + "'; the others follow from what the volume does (attach, detach, a backup or a restore)");
        };
        if ("attached".equals(attach)) throw CinderFault.badRequest("Invalid input received: attach a volume with os-attach, not by resetting its attach_status");
        svc.resetVolumeStatus(v.id(), to);
    }

    /**
     * The Coffer name for a volume Cinder calls {@code wanted}: that name while no other volume has
     * it; else the name with a suffix, the Cinder name kept in {@code labels} (Cinder's names need
     * not be unique, and another project's volume must not be revealed by a refusal). Null for null.
     */
    static String cofferName(CofferService svc, String wanted, String self, Map<String, String> labels) {
        if (wanted == null) return null;
        boolean taken = svc.catalog().volumeNamed(wanted).filter(o -> !o.id().equals(self)).isPresent();
        if (!taken) {
            labels.remove(CinderViews.DISPLAY_NAME);
            return wanted;
        }
        labels.put(CinderViews.DISPLAY_NAME, wanted);
        return (wanted.length() > 240 ? wanted.substring(0, 240) : wanted) + "-" + java.util.UUID.randomUUID().toString().substring(0, 8);
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
            Map<String, String> restoreLabels = new java.util.HashMap<>(Map.of(Request.PROJECT, r.project()));
            var a = svc.restore(backup.id(), new Requests.Restore(null, cofferName(svc, name, null, restoreLabels)), restoreLabels);
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
        Volume v = svc.createVolume(new Requests.CreateVolume(cofferName(svc, name, null, labels), sizeText, driver, labels, snapshotId));
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
