package io.hotvisor.microcode.load;

import io.hotvisor.microcode.CpuIdentity;
import io.hotvisor.microcode.Vendor;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * What a microcode revision does to a CPU, as feature flags that appear from a revision on. The
 * flags are those Xen and Linux re-evaluate after a late load (speculative-execution controls such
 * as {@code md-clear} or {@code gds-ctrl}).
 *
 * <p><strong>Simulated.</strong> The {@link #SIMULATED} table is Hotvisor's own illustration, not
 * vendor data: the revisions are real published revisions of the CPUs named, but which flag each one
 * brings is made up for the simulation (real microcode changes such things, and real hypervisors
 * re-read CPUID and MSRs after loading to find out). Immutable and thread-safe.
 *
 * @param entries the rules, in any order
 */
public record RevisionEffects(List<Entry> entries) {

    /**
     * From {@code fromRevision} (compared unsigned) on, a CPU of that vendor and signature has these
     * features.
     *
     * @param vendor the CPU vendor
     * @param signature CPUID(1).EAX
     * @param fromRevision the first revision with the features (0: every revision)
     * @param features flag names, lower case
     */
    public record Entry(Vendor vendor, int signature, int fromRevision, Set<String> features) {
        /** Copies the set. */
        public Entry {
            Objects.requireNonNull(vendor, "vendor");
            features = Set.copyOf(features);
        }
    }

    /** Copies the list. */
    public RevisionEffects {
        entries = List.copyOf(entries);
    }

    /**
     * The simulated table the host uses (see the type's note): Tiger Lake-U (06-8c-01, the host's
     * default CPU), Comet Lake-U (06-8e-0c) and AMD Rome (17-31-00).
     */
    public static final RevisionEffects SIMULATED = new RevisionEffects(List.of(
            new Entry(Vendor.INTEL, 0x000806c1, 0, Set.of("ibrs", "stibp", "ssbd", "md-clear")),
            new Entry(Vendor.INTEL, 0x000806c1, 0xac, Set.of("gds-ctrl")),
            new Entry(Vendor.INTEL, 0x000806c1, 0xbc, Set.of("rfds-clear")),
            new Entry(Vendor.INTEL, 0x000806ec, 0, Set.of("ibrs", "stibp", "ssbd", "md-clear")),
            new Entry(Vendor.INTEL, 0x000806ec, 0xf4, Set.of("srbds-ctrl")),
            new Entry(Vendor.AMD, 0x00830f10, 0, Set.of("ibpb", "stibp", "ssbd")),
            new Entry(Vendor.AMD, 0x00830f10, 0x0830107a, Set.of("zenbleed-fix"))));

    /** No effects at all. */
    public static final RevisionEffects NONE = new RevisionEffects(List.of());

    /** The features of a CPU with that identity, running its revision; sorted by name. */
    public SortedSet<String> features(CpuIdentity cpu) {
        SortedSet<String> out = new TreeSet<>();
        for (Entry e : entries) {
            if (e.vendor() == cpu.vendor() && e.signature() == cpu.signature().eax()
                    && Integer.compareUnsigned(cpu.revision(), e.fromRevision()) >= 0) {
                out.addAll(e.features());
            }
        }
        return out;
    }
}
