package io.coffer.arch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Lower layers never import higher ones: sys < store < chunk < repo < backup, restore, check,
 * prune, stats (sys: system calls the JDK lacks and aligned file I/O; it imports nothing of Coffer's).
 */
class LayeringTest {
    static final Map<String, Set<String>> ALLOWED = Map.of(
            "store", Set.of("sys"),
            "sys", Set.of(),
            "chunk", Set.of(),
            "repo", Set.of("store", "chunk", "sys"),
            "backup", Set.of("store", "chunk", "repo", "sys"),
            "restore", Set.of("store", "repo", "sys"),
            "check", Set.of("store", "repo"),
            "prune", Set.of("store", "repo"),
            "stats", Set.of("store", "repo"));
    static final Pattern IMPORT = Pattern.compile("^import (?:static )?io\\.coffer\\.(\\w+)\\.", Pattern.MULTILINE);

    @Test
    void packagesImportOnlyTheLayersBelowThem() throws IOException {
        Path src = Path.of("src/main/java/io/coffer");
        List<String> violations = new ArrayList<>();
        for (var e : ALLOWED.entrySet()) {
            try (Stream<Path> files = Files.walk(src.resolve(e.getKey()))) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    Matcher m = IMPORT.matcher(Files.readString(f));
                    while (m.find()) {
                        String target = m.group(1);
                        if (!target.equals(e.getKey()) && !e.getValue().contains(target)) violations.add(f + " imports io.coffer." + target);
                    }
                }
            }
        }
        assertThat(violations).isEmpty();
        assertThat(Files.isDirectory(src.resolve("store"))).as("run from the module directory").isTrue();
    }
}
