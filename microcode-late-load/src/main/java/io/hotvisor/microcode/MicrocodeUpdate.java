package io.hotvisor.microcode;

/**
 * One loadable microcode update, of either vendor: an Intel update ({@code
 * io.hotvisor.microcode.intel.IntelMicrocodeUpdate}) or an AMD patch ({@code
 * io.hotvisor.microcode.amd.AmdPatch}); those two records are the only implementations.
 *
 * <p>It is not declared {@code sealed}: a sealed type may list subclasses from other packages only
 * inside a named module, and Hotvisor's jars also run on the plain class path, where the JVM would
 * refuse the hierarchy.
 *
 * <p>Implementations are immutable and were checked when parsed: an instance exists only for an
 * update that passed every rule of its format.
 */
public interface MicrocodeUpdate {

    /** The vendor the update is for. */
    Vendor vendor();

    /** The file (or name given to the parser) the update was read from. */
    String source();

    /** The byte offset of the update in its source. */
    long offset();

    /** The revision the CPU reports after loading it (Intel update revision, AMD patch id). */
    int revision();

    /** The release date. */
    BcdDate date();

    /** The size in bytes of the update as loaded (Intel total size, AMD patch section size). */
    int size();

    /**
     * Whether this update is for that CPU: same vendor, signature and (Intel) platform, ignoring
     * revisions. See the implementations for each vendor's rule.
     */
    boolean matches(CpuIdentity cpu);

    /** A copy of the update's bytes as they would be handed to the CPU. */
    byte[] bytes();
}
