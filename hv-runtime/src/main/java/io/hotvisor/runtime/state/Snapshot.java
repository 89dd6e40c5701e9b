package io.hotvisor.runtime.state;

/**
 * A subsystem's exported state: an immutable record of plain data (domain ids, vCPU indexes,
 * counters; never a reference to a live object), named by its subsystem and versioned.
 *
 * <p>Implementations are records that Jackson can write and read, so {@link SnapshotCodec} can carry
 * them as JSON bytes between two versions of a bundle whose classes cannot see each other.
 */
public interface Snapshot {
    /** The subsystem that exported it, e.g. {@code "credit2"}; an importer refuses another's. */
    String subsystem();

    /** The version of the snapshot's format; it changes whenever a field is added, removed or re-meant. */
    int version();
}
