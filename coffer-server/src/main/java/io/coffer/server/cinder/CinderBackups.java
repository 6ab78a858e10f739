package io.coffer.server.cinder;

import com.fasterxml.jackson.databind.JsonNode;
import io.coffer.catalog.Backup;
import io.coffer.catalog.Volume;
import io.coffer.service.CofferService;
import io.coffer.service.Requests;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/** Cinder's backup endpoints: create, list, show, delete, restore, with Cinder's checks and texts. */
final class CinderBackups {
    private final CofferService svc;

    CinderBackups(CofferService svc) {
        this.svc = svc;
    }

    void route(Context ctx, String method, String id, String sub, Request r, CinderApi.BodyOf body) throws IOException {
        if (id == null || (id.equals("detail") && sub == null)) {
            switch (method) {
                case "GET" -> list(ctx, r, id != null);
                case "POST" -> create(ctx, r, body);
                default -> throw new CinderFault(405, "The method " + method + " is not allowed here.");
            }
            return;
        }
        if (id.equals("import_record") && sub == null && method.equals("POST")) {
            importRecord(ctx, r, body);
            return;
        }
        if (sub == null) {
            switch (method) {
                case "GET" -> ctx.json(Map.of("backup", CinderViews.backupDetail(backup(id, r), svc.hasDependents(id), r)));
                case "PUT" -> update(ctx, id, r, body);
                case "DELETE" -> delete(ctx, id, r);
                default -> throw new CinderFault(405, "The method " + method + " is not allowed here.");
            }
            return;
        }
        if (sub.equals("restore") && method.equals("POST")) {
            restore(ctx, id, r, body);
            return;
        }
        if (sub.equals("export_record") && method.equals("GET")) {
            Backup b = backup(id, r);
            if (b.status() != Backup.Status.AVAILABLE) throw CinderFault.badRequest("Invalid backup: Backup status must be available and not " + b.status().id + ".");
            byte[] record = JSON.writeValueAsBytes(svc.exportRecord(b.id()));
            ctx.json(Map.of("backup-record", Map.of("backup_service", SERVICE, "backup_url", Base64.getEncoder().encodeToString(record))));
            return;
        }
        if (sub.equals("action") && method.equals("POST")) {
            action(ctx, id, r, body);
            return;
        }
        throw CinderFault.notFound("The resource could not be found.");
    }

    /** A backup this caller may see (another project's is not found, as in Cinder). */
    Backup backup(String id, Request r) {
        return svc.catalog().backup(id).filter(b -> r.sees(b.metadata())).orElseThrow(() -> CinderFault.notFound("Backup " + id + " could not be found."));
    }

    private static final Set<String> CREATE_FIELDS = Set.of("volume_id", "container", "name", "description", "incremental", "force", "snapshot_id");

    private void create(Context ctx, Request r, CinderApi.BodyOf body) throws IOException {
        Set<String> allowed = new HashSet<>(CREATE_FIELDS);
        if (r.version().atLeast(43)) allowed.add("metadata");
        if (r.version().atLeast(51)) allowed.add("availability_zone");
        JsonNode b = body.of(ctx, "backup", allowed, true);
        String volumeId = Fields.text(b, "backup", "volume_id", 255);
        if (volumeId == null) throw CinderFault.badRequest("Invalid input for field/attribute backup. Value: " + b + ". 'volume_id' is a required property");
        Volume v = CinderVolumes.volume(svc, volumeId, r);
        String snapshot = Fields.text(b, "backup", "snapshot_id", 255);
        boolean force = Fields.bool(b, "backup", "force");
        if (v.status() != Volume.Status.AVAILABLE && v.status() != Volume.Status.IN_USE) {
            throw CinderFault.badRequest("Invalid volume: Volume to be backed up must be available or in-use, but the current status is \"" + v.status().id + "\".");
        }
        if (v.status() == Volume.Status.IN_USE && !force && snapshot == null) {
            throw CinderFault.badRequest("Invalid volume: Backing up an in-use volume must use the force flag.");
        }
        Backup created = svc.createBackup(new Requests.CreateBackup(v.id(), snapshot, null, Fields.text(b, "backup", "container", 255),
                Fields.text(b, "backup", "name", 255), Fields.text(b, "backup", "description", 255), Fields.bool(b, "backup", "incremental"),
                force, r.tagged(Fields.map(b, "backup", "metadata"))));
        ctx.status(202).json(Map.of("backup", CinderViews.backupSummary(created, r)));
    }

    /** Renames a backup, or changes its description or metadata (3.9; metadata 3.43): 200 with the summary. */
    private void update(Context ctx, String id, Request r, CinderApi.BodyOf body) throws IOException {
        if (!r.version().atLeast(9)) throw CinderFault.notFound("API version " + r.version() + " is not supported on this method.");
        Set<String> allowed = r.version().atLeast(43) ? Set.of("name", "description", "metadata") : Set.of("name", "description");
        JsonNode b = body.of(ctx, "backup", allowed, true);
        Backup backup = backup(id, r);
        Backup u = svc.updateBackup(backup.id(), Fields.text(b, "backup", "name", 255), Fields.text(b, "backup", "description", 255),
                b.has("metadata") ? Request.keepProject(Fields.map(b, "backup", "metadata"), backup.metadata()) : null);
        ctx.json(Map.of("backup", CinderViews.backupSummary(u, r)));
    }

    /** {@code os-reset_status} ({@code available} or {@code error}) and {@code os-force_delete}: 202. */
    private void action(Context ctx, String id, Request r, CinderApi.BodyOf body) throws IOException {
        JsonNode root = body.of(ctx, null, Set.of("os-reset_status", "os-force_delete"), true);
        if (root.has("os-reset_status")) {
            JsonNode b = body.of(ctx, "os-reset_status", Set.of("status"), true);
            String to = Fields.text(b, "os-reset_status", "status", 255);
            Backup.Status status = to == null ? null : switch (to.toLowerCase(java.util.Locale.ROOT)) {
                case "available" -> Backup.Status.AVAILABLE;
                case "error" -> Backup.Status.ERROR;
                default -> null;
            };
            if (status == null) throw CinderFault.badRequest("Backup status: " + to + " is invalid, valid statuses are: ['available', 'error'].");
            svc.resetBackupStatus(backup(id, r).id(), status);
            ctx.status(202);
            return;
        }
        if (root.has("os-force_delete")) {
            Backup backup = backup(id, r);
            if (backup.status() != Backup.Status.AVAILABLE && backup.status() != Backup.Status.ERROR) {
                throw new CinderFault(405, "Operation not supported: force delete of a backup that is " + backup.status()
                        + " (cancel its job, or reset its status to error, then delete it).");
            }
            delete(ctx, id, r);
            return;
        }
        throw CinderFault.badRequest("Invalid input received: no action given (os-reset_status or os-force_delete)");
    }

    /** What export_record names as the backup service: a record only a Coffer server imports. */
    static final String SERVICE = "coffer";
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /** import_record: the one backup an exported record names, from its repository; 201 with the summary. */
    private void importRecord(Context ctx, Request r, CinderApi.BodyOf body) throws IOException {
        JsonNode b = body.of(ctx, "backup-record", Set.of("backup_service", "backup_url"), true);
        String service = Fields.text(b, "backup-record", "backup_service", 255);
        String url = Fields.text(b, "backup-record", "backup_url", 1 << 16);
        if (service == null || url == null) throw CinderFault.badRequest("Invalid input received: backup_service and backup_url are required");
        if (!service.equals(SERVICE)) {
            throw CinderFault.badRequest("Invalid input received: the record is of backup service " + service + "; this server imports records of " + SERVICE + " only");
        }
        Map<String, String> record = new LinkedHashMap<>();
        try {
            JSON.readTree(Base64.getDecoder().decode(url)).fields().forEachRemaining(e -> record.put(e.getKey(), e.getValue().asText()));
        } catch (IllegalArgumentException | IOException e) {
            throw CinderFault.badRequest("Invalid input received: the backup_url is not a record this server exported (" + e.getMessage() + ")");
        }
        Backup imported = svc.importRecord(record);
        ctx.status(201).json(Map.of("backup", CinderViews.backupSummary(imported, r)));
    }

    private void delete(Context ctx, String id, Request r) {
        Backup b = backup(id, r);
        if (b.status() != Backup.Status.AVAILABLE && b.status() != Backup.Status.ERROR) {
            throw CinderFault.badRequest("Invalid backup: Backup status must be available or error");
        }
        if (svc.hasDependents(b.id())) throw CinderFault.badRequest("Invalid backup: Incremental backups exist for this backup.");
        svc.deleteBackup(b.id(), false);
        ctx.status(202);
    }

    private void restore(Context ctx, String id, Request r, CinderApi.BodyOf body) throws IOException {
        JsonNode b = body.of(ctx, "restore", Set.of("volume_id", "name"), true);
        Backup backup = backup(id, r);
        if (backup.status() != Backup.Status.AVAILABLE) throw CinderFault.badRequest("Invalid backup: Backup status must be available");
        String volumeId = Fields.text(b, "restore", "volume_id", 255);
        String name = Fields.text(b, "restore", "name", 255);
        if (volumeId != null) {
            Volume v = CinderVolumes.volume(svc, volumeId, r);
            if (v.status() != Volume.Status.AVAILABLE) throw CinderFault.badRequest("Invalid volume: Volume to be restored to must be available");
            long have = CinderViews.gib(v.sizeBytes()), need = CinderViews.gib(backup.volumeSize());
            if (v.sizeBytes() < backup.volumeSize()) {
                throw CinderFault.badRequest("Invalid volume: volume size " + have + " is too small to restore backup of size " + need + ".");
            }
            name = null;
        }
        Map<String, String> labels = new java.util.HashMap<>(Map.of(Request.PROJECT, r.project()));
        Requests.RestoreAccepted a = svc.restore(backup.id(), new Requests.Restore(volumeId, volumeId == null ? CinderVolumes.cofferName(svc, name, null, labels) : name), labels);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("backup_id", a.backupId());
        out.put("volume_id", a.volumeId());
        out.put("volume_name", svc.catalog().volume(a.volumeId()).map(CinderViews::volumeName).orElse(a.volumeName()));
        ctx.status(202).json(Map.of("restore", out));
    }

    /** Cinder's list: filters name, status, volume_id; sort; limit and marker; with_count from 3.45. */
    private void list(Context ctx, Request r, boolean detail) {
        r.rejectInvalidFilters(ctx.queryParamMap().keySet(), java.util.Set.of("name", "status", "volume_id"));
        List<Backup> all = new ArrayList<>(svc.backups());
        String name = ctx.queryParam("name"), status = ctx.queryParam("status"), volume = ctx.queryParam("volume_id");
        boolean allTenants = Request.allTenants(ctx.queryParam("all_tenants"));
        all.removeIf(b -> !r.lists(b.metadata(), allTenants) || (name != null && !name.equals(b.name())) || (status != null && !status.equals(b.status().id))
                || (volume != null && !volume.equals(b.volumeId())));
        all.sort(order(ctx.queryParam("sort") != null ? ctx.queryParam("sort") : sortOf(ctx)));
        int total = all.size();
        String marker = ctx.queryParam("marker");
        if (marker != null) {
            int at = -1;
            for (int i = 0; i < all.size(); i++) if (all.get(i).id().equals(marker)) at = i;
            if (at < 0) throw CinderFault.badRequest("marker [" + marker + "] not found");
            all = all.subList(at + 1, all.size());
        }
        Integer limit = null;
        if (ctx.queryParam("limit") != null) {
            try {
                limit = Integer.parseInt(ctx.queryParam("limit"));
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 0) throw CinderFault.badRequest("limit param must be an integer");
            if (all.size() > limit) all = all.subList(0, limit);
        }
        Function<Backup, Map<String, Object>> view = detail ? b -> CinderViews.backupDetail(b, svc.hasDependents(b.id()), r) : b -> CinderViews.backupSummary(b, r);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("backups", all.stream().map(view).toList());
        if (limit != null && limit > 0 && all.size() == limit) {
            String href = r.base() + "/v3/" + r.project() + "/backups" + (detail ? "/detail" : "") + "?limit=" + limit + "&marker=" + all.get(all.size() - 1).id();
            out.put("backups_links", List.of(Map.of("rel", "next", "href", href)));
        }
        if (r.version().atLeast(45) && "true".equalsIgnoreCase(ctx.queryParam("with_count"))) out.put("count", total);
        ctx.json(out);
    }

    private static String sortOf(Context ctx) {
        String key = ctx.queryParam("sort_key"), dir = ctx.queryParam("sort_dir");
        return (key == null ? "created_at" : key) + ":" + (dir == null ? "desc" : dir);
    }

    private static Comparator<Backup> order(String sort) {
        Comparator<Backup> c = null;
        for (String part : sort.split(",")) {
            String[] kd = part.split(":", 2);
            Comparator<Backup> one = switch (kd[0]) {
                case "created_at" -> Comparator.comparing(Backup::createdAt);
                case "updated_at" -> Comparator.comparing(Backup::updatedAt);
                case "name" -> Comparator.comparing(b -> b.name() == null ? "" : b.name());
                case "status" -> Comparator.comparing(b -> b.status().id);
                case "size" -> Comparator.comparingLong(Backup::volumeSize);
                case "id" -> Comparator.comparing(Backup::id);
                default -> throw CinderFault.badRequest("Invalid input received: Invalid sort key " + kd[0]);
            };
            String dir = kd.length > 1 ? kd[1] : "desc";
            if (!dir.equals("asc") && !dir.equals("desc")) throw CinderFault.badRequest("Invalid input received: Unknown sort direction, must be 'desc' or 'asc'");
            if (dir.equals("desc")) one = one.reversed();
            c = c == null ? one : c.thenComparing(one);
        }
        return c.thenComparing(Backup::id);
    }

}
