package io.coffer.catalog;

import java.util.function.Function;

/** The catalog's enums are stored and shown by names of their own; this reads one back. */
final class Names {
    private Names() {}

    /** The constant of {@code values} named {@code id}; null for null; a named error for a name no constant has. */
    static <E extends Enum<E>> E parse(E[] values, Function<E, String> name, String id, String what) {
        if (id == null) return null;
        for (E e : values) if (name.apply(e).equals(id)) return e;
        throw new CatalogException("unknown " + what + " '" + id + "' in the catalog (written by a newer Coffer?)");
    }
}
