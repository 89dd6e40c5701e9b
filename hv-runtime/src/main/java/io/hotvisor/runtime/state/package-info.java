/**
 * State transfer: how a subsystem bundle hands its state to the next version of itself, the path for
 * changes a class redefinition cannot carry (a new field, a new class hierarchy).
 *
 * <p>The model is Erlang/OTP's release handling: suspend, load the new code, call
 * {@code code_change(OldVsn, State, Extra)}, resume. Here the suspend is the rendezvous (or a stopped
 * subsystem), the old implementation's {@link io.hotvisor.runtime.state.StateTransfer#exportState()}
 * gives a {@link io.hotvisor.runtime.state.Snapshot}, and the new implementation's
 * {@link io.hotvisor.runtime.state.StateTransfer#importState} rebuilds its state from it, upgrading
 * the previous version's format when it must. The {@code Extra} is the importer's context: what it
 * needs from the live host, such as the live domains by id.
 *
 * <h2>Why snapshots cross as versioned JSON</h2>
 * Two versions of a bundle live in two class loaders: the new bundle's classes cannot see the old
 * bundle's record types, and a {@code Credit2Snapshot} of one is not a {@code Credit2Snapshot} of the
 * other. So a snapshot holds plain data only (domain ids, vCPU indexes, counters, never a live
 * object), carries its subsystem name and format version, and crosses as JSON bytes
 * ({@link io.hotvisor.runtime.state.SnapshotCodec}). The importer first reads the header
 * ({@link io.hotvisor.runtime.state.EncodedSnapshot}), then
 * {@link io.hotvisor.runtime.state.SnapshotFormat#read} checks the version and reads the bytes into
 * its own record type. It accepts its own version and the previous one; a newer or unknown version
 * is refused with {@link io.hotvisor.runtime.state.StateTransferException} naming both versions,
 * before anything changed, so the old version can take its own snapshot back.
 *
 * <h2>Rules for a snapshot format</h2>
 * <ul>
 *   <li>A record implementing {@code Snapshot}, with {@code subsystem} and {@code version} components.</li>
 *   <li>Adding, removing or re-meaning a field bumps the version; the importer documents the
 *       default it gives a field the previous version lacks.</li>
 *   <li>Lists rather than arrays, so that two equal snapshots are {@code equals}.</li>
 * </ul>
 */
package io.hotvisor.runtime.state;
