package io.coffer.catalog;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class SqliteCatalogTest extends AbstractCatalogTest {
    @TempDir
    Path dir;

    @Override
    Catalog openEmpty() {
        return Catalog.open("jdbc:sqlite:" + dir.resolve("catalog.db"), null, null);
    }

    @Override
    Catalog reopen() {
        return openEmpty();
    }
}
