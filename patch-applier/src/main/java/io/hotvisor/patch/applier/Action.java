package io.hotvisor.patch.applier;

import io.hotvisor.patch.format.manifest.Manifest;

/**
 * How a payload's change reaches the running host: one strategy per mechanism, chosen by the
 * payload's kind. {@link RedefinitionAction} redefines classes in one batch inside a stop-machine
 * window; {@link BundleUpdateAction} replaces a whole bundle with state transfer.
 *
 * <p>The agent does what every action shares (the permit, the journal, the state and stacking
 * checks) and hands over a payload whose state it has checked; the strategy does the work and
 * moves the payload's state through the {@link PayloadTable}, or throws with nothing changed (or
 * rolled back, {@link LivepatchException#rolledBack()}).
 */
interface Action {
    /**
     * Checks particular to this mechanism, at upload.
     *
     * @throws LivepatchException when this host cannot apply such a payload
     */
    void checkUpload(String name, Manifest manifest) throws LivepatchException;

    /** CHECKED to APPLIED, or nothing changed. */
    ActionReport apply(PayloadTable.Entry e, ActionOptions options) throws LivepatchException;

    /**
     * APPLIED to CHECKED, or nothing changed.
     *
     * @param errorAfter the reason recorded with the new state (an automatic revert's), or null
     */
    ActionReport revert(PayloadTable.Entry e, ActionOptions options, String errorAfter) throws LivepatchException;
}
