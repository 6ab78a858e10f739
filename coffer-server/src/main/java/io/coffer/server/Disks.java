package io.coffer.server;

import io.coffer.service.CofferService;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The disks Coffer writes to: the data directory's, and each local repository's. */
final class Disks {
    /** One disk as measured now; {@code repository} null for the data directory. */
    record Disk(String repository, Path path, long freeBytes, long sizeBytes, long floorBytes) {
        /** Below the disk guard's floor, or under 10% free (the alerts' threshold). */
        boolean low() {
            return freeBytes < floorBytes || freeBytes < sizeBytes / 10;
        }
    }

    private Disks() {}

    /** The data directory's disk and those of the local repositories that exist (a disk that cannot be measured now is left out). */
    static List<Disk> measure(CofferService svc) {
        List<Disk> out = new ArrayList<>();
        add(out, svc, null, svc.config().dataDir());
        for (var r : svc.config().repositories().entrySet()) {
            String loc = r.getValue();
            if (loc.contains("://") && !loc.startsWith("file://")) continue;
            add(out, svc, r.getKey(), Path.of(loc.replaceFirst("^file://", "").replace("{container}", "")));
        }
        return out;
    }

    private static void add(List<Disk> out, CofferService svc, String repository, Path p) {
        while (p != null && !Files.exists(p)) p = p.getParent();
        if (p == null) return;
        try {
            FileStore fs = Files.getFileStore(p);
            long size = fs.getTotalSpace();
            out.add(new Disk(repository, p, fs.getUsableSpace(), size, svc.config().housekeeping().floorFor(size)));
        } catch (IOException e) {
            // not measurable now
        }
    }
}
