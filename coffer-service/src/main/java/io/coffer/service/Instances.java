package io.coffer.service;

import io.coffer.catalog.Backup;
import io.coffer.catalog.Instance;
import io.coffer.instance.DbEngine;
import io.coffer.instance.Endpoint;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The vocabulary of instance backups: the labels the Kubernetes workflow reads on backups and
 * restored volumes, and the facts recorded on a backup of an instance.
 */
final class Instances {
    static final String MANAGED_BY = "app.kubernetes.io/managed-by";
    static final String BACKUP_SOURCE = "backup.coffer.io/source";
    static final String BACKUP_TYPE = "backup.coffer.io/type";
    static final String CREATED_BY = "backup.coffer.io/created-by";
    static final String RETENTION_DAYS = "backup.coffer.io/retention-days";
    static final String RESTORED_FROM = "restore.coffer.io/restored-from";
    static final String RESTORE_TYPE = "restore.coffer.io/type";
    static final String SOURCE_BACKUP = "restore.coffer.io/source-backup";

    // facts on a backup of an instance
    static final String ENGINE = "engine";
    static final String INSTANCE_NAME = "instance_name";
    static final String DATA_SUBDIR = "data_subdir";
    static final String DB_USER = "db_user";
    static final String PASSWORD_REF = "password_ref";
    static final String CONSISTENCY = "consistency";

    private Instances() {}

    static Map<String, String> backupLabels(Instance i, boolean incremental, String createdBy) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(MANAGED_BY, "coffer");
        m.put(BACKUP_SOURCE, i.name());
        m.put(BACKUP_TYPE, incremental ? "incremental" : "full");
        m.put(CREATED_BY, createdBy == null || createdBy.isBlank() ? "api" : Validation.text("createdBy", createdBy, 255));
        return m;
    }

    static Map<String, String> restoreLabels(Backup b, Instance src) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(MANAGED_BY, "coffer");
        m.put(RESTORED_FROM, src.name());
        m.put(RESTORE_TYPE, "new-instance");
        m.put(SOURCE_BACKUP, b.id());
        return m;
    }

    /** What a backup of {@code i} records about it, so that it can be verified or restored without the instance. */
    static Map<String, String> facts(Instance i) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(ENGINE, i.engine());
        m.put(INSTANCE_NAME, i.name());
        m.put(DATA_SUBDIR, i.dataSubdir());
        if (i.user() != null) m.put(DB_USER, i.user());
        if (i.passwordRef() != null) m.put(PASSWORD_REF, i.passwordRef());
        return m;
    }

    /** A data directory's path inside a volume: relative, without "..". */
    static String subdir(String s) {
        if (s == null || s.isEmpty() || s.equals(".")) return "";
        Path p = Path.of(s).normalize();
        if (p.isAbsolute() || p.startsWith("..") || s.contains("\0")) {
            throw ServiceException.invalid("data subdirectory '" + Validation.printable(s) + "' must be a relative path inside the volume");
        }
        return p.toString();
    }

    static Endpoint endpoint(Instance i) {
        DbEngine e = DbEngine.parse(i.engine());
        return new Endpoint(e, i.host(), i.port() == null ? e.defaultPort() : i.port(), i.socketDir(), i.user(),
                Secrets.resolve("password of instance " + i.name(), i.passwordRef()));
    }

    /** Refuses, with what to install, when the engine's server programs are missing on this host. */
    static void checkInstalled(DbEngine e) {
        try {
            DbEngine.requireInstalled(e);
        } catch (DbEngine.EngineMissingException x) {
            throw ServiceException.unprocessable(x.getMessage());
        }
    }
}
