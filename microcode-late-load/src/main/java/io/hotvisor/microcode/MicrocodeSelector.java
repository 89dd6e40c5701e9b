package io.hotvisor.microcode;

import java.util.Collection;
import java.util.Objects;
import java.util.Optional;

/**
 * Chooses the update a CPU should load, as Xen 4.13 and Linux do: among the updates that match the
 * CPU's vendor, signature and platform ({@link MicrocodeUpdate#matches}), the one with the highest
 * revision, and only if that revision is strictly newer than the one the CPU runs. Revisions are
 * compared as unsigned 32-bit values (Linux compares them as {@code unsigned int}). When two matching
 * updates share the highest revision the first one given wins. Stateless.
 */
public final class MicrocodeSelector {

    private MicrocodeSelector() {
    }

    /** What a selection found. */
    public enum Outcome {
        /** No update is for this CPU ("not found" in Xen). */
        NO_MATCH,
        /** Updates are for this CPU, but none is newer than its running revision. */
        NOT_NEWER,
        /** An update newer than the running revision was found. */
        NEWER
    }

    /**
     * The result for one CPU.
     *
     * @param cpu the CPU it was made for
     * @param outcome what was found
     * @param newestMatching the highest-revision update matching the CPU, whether newer or not (empty
     *     for {@link Outcome#NO_MATCH}); a forced load takes this one
     */
    public record Selection(CpuIdentity cpu, Outcome outcome, Optional<MicrocodeUpdate> newestMatching) {

        /** Checks that an update is present exactly when something matched. */
        public Selection {
            Objects.requireNonNull(cpu, "cpu");
            Objects.requireNonNull(outcome, "outcome");
            Objects.requireNonNull(newestMatching, "newestMatching");
            if (newestMatching.isPresent() == (outcome == Outcome.NO_MATCH)) {
                throw new IllegalArgumentException(outcome + " with newest matching " + newestMatching);
            }
        }

        /** The update to load: present only when it is strictly newer than the running revision. */
        public Optional<MicrocodeUpdate> update() {
            return outcome == Outcome.NEWER ? newestMatching : Optional.empty();
        }
    }

    /**
     * Selects the update {@code cpu} should load from {@code candidates}.
     *
     * @param cpu the CPU, with its running revision
     * @param candidates updates of any vendor and CPU, e.g. {@link MicrocodeFile#updates()}
     * @return never null
     */
    public static Selection select(CpuIdentity cpu, Collection<? extends MicrocodeUpdate> candidates) {
        Objects.requireNonNull(cpu, "cpu");
        MicrocodeUpdate best = null;
        for (MicrocodeUpdate u : candidates) {
            if (u.matches(cpu) && (best == null || Integer.compareUnsigned(u.revision(), best.revision()) > 0)) {
                best = u;
            }
        }
        if (best == null) {
            return new Selection(cpu, Outcome.NO_MATCH, Optional.empty());
        }
        Outcome outcome = Integer.compareUnsigned(best.revision(), cpu.revision()) > 0 ? Outcome.NEWER : Outcome.NOT_NEWER;
        return new Selection(cpu, outcome, Optional.of(best));
    }
}
