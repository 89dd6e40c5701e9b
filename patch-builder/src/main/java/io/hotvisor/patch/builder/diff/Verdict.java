package io.hotvisor.patch.builder.diff;

import java.util.List;

/**
 * What the builder does with one class.
 *
 * @param className binary name
 * @param kind      the verdict
 * @param changes   for a redefine: what changed ({@code method changed: void tick(long)}); notes otherwise
 * @param refusals  for a refused class: one line per offending member ({@code field added: int boostCredits})
 * @param bytes     for a redefine or define: the bytes to ship (the head's, with synthetic names
 *                  mapped back to the base's); {@code null} otherwise
 */
public record Verdict(String className, Kind kind, List<String> changes, List<String> refusals, byte[] bytes) {
    /** The verdicts. */
    public enum Kind {
        /** Method bodies changed: replace the running class. */
        REDEFINE,
        /** A class the host does not have. */
        DEFINE,
        /** A change a running JVM cannot take. */
        REFUSED
    }

    /** Copies the lists. */
    public Verdict {
        changes = List.copyOf(changes);
        refusals = List.copyOf(refusals);
    }
}
