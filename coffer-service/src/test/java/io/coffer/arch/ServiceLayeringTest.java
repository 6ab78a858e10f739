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
 * The service module's layers: the catalog and the volume drivers know nothing of each other or
 * of the engine; database engines (instance) use only the volume tools; only the service package
 * brings them together.
 */
class ServiceLayeringTest {
    static final Map<String, Set<String>> ALLOWED = Map.of(
            "catalog", Set.of(),
            "volume", Set.of(),
            "instance", Set.of("volume"),
            "service", Set.of("catalog", "volume", "instance", "store", "sys", "repo", "backup", "restore", "prune", "check"));
    static final Pattern IMPORT = Pattern.compile("^import (?:static )?io\\.coffer\\.(\\w+)\\.", Pattern.MULTILINE);
    static final Pattern QUALIFIED = Pattern.compile("\\bio\\.coffer\\.(\\w+)\\.[A-Z]");

    @Test
    void packagesUseOnlyTheLayersBelowThem() throws IOException {
        Path src = Path.of("src/main/java/io/coffer");
        List<String> violations = new ArrayList<>();
        for (var e : ALLOWED.entrySet()) {
            try (Stream<Path> files = Files.walk(src.resolve(e.getKey()))) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    String text = Files.readString(f);
                    for (Pattern p : List.of(IMPORT, QUALIFIED)) {
                        Matcher m = p.matcher(text);
                        while (m.find()) {
                            String target = m.group(1);
                            if (!target.equals(e.getKey()) && !e.getValue().contains(target)) violations.add(f + " uses io.coffer." + target);
                        }
                    }
                }
            }
        }
        assertThat(violations).isEmpty();
    }
}
