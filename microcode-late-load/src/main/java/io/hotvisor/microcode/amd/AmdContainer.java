package io.hotvisor.microcode.amd;

import java.util.List;
import java.util.Objects;

/**
 * One AMD container of a file: its equivalence table and its patches. Immutable.
 *
 * @param source the file (or name) it was read from
 * @param index its 1-based position among the containers of that file
 * @param offset the byte offset of its magic in that file
 * @param equivalenceTable the table its pre-Zen patches are matched through
 * @param patches its patches in file order
 */
public record AmdContainer(String source, int index, long offset, AmdEquivalenceTable equivalenceTable,
        List<AmdPatch> patches) {

    /** Copies the list. */
    public AmdContainer {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(equivalenceTable, "equivalenceTable");
        patches = List.copyOf(patches);
    }
}
