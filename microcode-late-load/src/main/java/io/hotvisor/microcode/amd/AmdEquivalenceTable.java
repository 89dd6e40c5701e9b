package io.hotvisor.microcode.amd;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * A container's equivalence table: which CPU signatures share which equivalence id (the
 * {@code processor_rev_id} of the patches for them). Immutable. The terminating all-zero entry is
 * not among the entries.
 *
 * @param entries the entries in file order
 */
public record AmdEquivalenceTable(List<Entry> entries) {

    /**
     * One row.
     *
     * @param installedCpu CPUID(1).EAX of the CPU
     * @param fixedErrataMask errata mask (0 in every published container)
     * @param fixedErrataCompare errata compare value (0 in every published container)
     * @param equivalenceId the id the CPU's patches carry as {@code processor_rev_id}, a u16
     */
    public record Entry(int installedCpu, int fixedErrataMask, int fixedErrataCompare, int equivalenceId) {
    }

    /** Copies the list. */
    public AmdEquivalenceTable {
        entries = List.copyOf(Objects.requireNonNull(entries, "entries"));
    }

    /**
     * The equivalence id of a CPU: that of the first entry for its signature, as Linux's
     * {@code find_equiv_id} looks it up; empty when the table does not list the CPU.
     */
    public OptionalInt equivalenceIdOf(int signature) {
        for (Entry e : entries) {
            if (e.installedCpu() == signature) {
                return OptionalInt.of(e.equivalenceId());
            }
        }
        return OptionalInt.empty();
    }

    /**
     * Every CPU signature whose equivalence id (by {@link #equivalenceIdOf}) is {@code equivalenceId},
     * in table order, each once.
     */
    public List<Integer> signaturesFor(int equivalenceId) {
        List<Integer> out = new ArrayList<>();
        for (Entry e : entries) {
            int sig = e.installedCpu();
            if (!out.contains(sig) && equivalenceIdOf(sig).orElse(-1) == equivalenceId) {
                out.add(sig);
            }
        }
        return List.copyOf(out);
    }
}
