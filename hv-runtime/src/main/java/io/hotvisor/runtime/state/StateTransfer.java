package io.hotvisor.runtime.state;

/**
 * A subsystem whose implementation can be replaced while the host runs, carrying its state across:
 * the old implementation exports a {@link Snapshot}, the new one imports it (Erlang/OTP's
 * {@code code_change(OldVsn, State, Extra)}).
 *
 * <p>Protocol, in one quiesce window:
 * <pre>
 *   old.exportState()  ──► Snapshot ──► SnapshotCodec.write ──► bytes
 *                                                                 │  (the new bundle's class loader)
 *   new.importState(SnapshotCodec.read(bytes), context) ◄─────────┘
 *   on failure: old.importState(the same snapshot) restores the old implementation
 * </pre>
 *
 * <p>Contract:
 * <ul>
 *   <li>{@link #exportState()} is called with the subsystem quiesced (every pCPU parked at a
 *       rendezvous, or the subsystem stopped); it returns plain data only and leaves the subsystem
 *       as it was, so a failed update can resume it.</li>
 *   <li>{@link #importState} accepts a snapshot of {@link #format()}'s version or of the versions it
 *       names as older, and refuses anything else with a {@link StateTransferException} before it
 *       changes anything.</li>
 *   <li>Neither is called concurrently with the subsystem's normal operations.</li>
 * </ul>
 *
 * @param <S> the snapshot record this implementation exports
 * @param <C> what an import needs from the live host (Erlang's {@code Extra}), e.g. a lookup from
 *            domain id to the live domain
 */
public interface StateTransfer<S extends Snapshot, C> {
    /** The subsystem name and the snapshot versions this implementation writes and reads. */
    SnapshotFormat format();

    /** The subsystem's state as plain data, at version {@code format().version()}. */
    S exportState();

    /**
     * Rebuilds the subsystem's state from {@code from}, upgrading an older version.
     *
     * @throws StateTransferException when the snapshot is another subsystem's, of a version this
     *                                importer does not read, malformed, or does not fit this instance
     */
    ImportReport importState(Snapshot from, C context) throws StateTransferException;
}
