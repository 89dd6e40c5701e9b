package io.hotvisor.patch.builder.diff;

import java.util.List;
import java.util.Set;

/**
 * What the builder does with one class.
 *
 * @param className binary name
 * @param kind      the verdict
 * @param changes   for a redefine: what changed ({@code method changed: void tick(long)}); notes otherwise
 * @param refusals  for a refused class: one line per offending member ({@code field added: int boostCredits})
 * @param bytes     for a redefine or define: the bytes to ship (the head's, with synthetic names
 *                  mapped back to the base's); {@code null} otherwise
 * @param added     for a redefine built for the trampoline mechanism: the methods (name and descriptor,
 *                  as the shipped bytes have them) the class adds, which only a trampoline carries;
 *                  empty otherwise
 */
public record Verdict(String className, Kind kind, List<String> changes, List<String> refusals, byte[] bytes, Set<String> added) {
    /** The verdicts. */
    public enum Kind {
        /** Method bodies changed: replace the running class. */
        REDEFINE,
        /** A class the host does not have. */
        DEFINE,
        /** A change a running JVM cannot take. */
        REFUSED
    }

    /** Copies the lists and the set. */
    public Verdict {
        changes = List.copyOf(changes);
        refusals = List.copyOf(refusals);
        added = java.util.Collections.unmodifiableSet(new java.util.TreeSet<>(added));
    }

    /** A verdict that adds no method. */
    public Verdict(String className, Kind kind, List<String> changes, List<String> refusals, byte[] bytes) {
        this(className, kind, changes, refusals, bytes, Set.of());
    }
}
