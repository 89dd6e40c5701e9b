package io.hotvisor.runtime.memory;

/**
 * Spectre v1 (bounds check bypass) hardening for lookups indexed by a guest: Xen's
 * {@code array_index_nospec}, and the index masking V8 does for the same reason. A CPU may run a
 * load speculatively before the bounds check before it has resolved, with an index the guest
 * chose, and leave a trace of out-of-bounds data in the cache. Passing the index through
 * {@link #index} after the check makes it data-dependent on the bounds without a branch: an index
 * out of range becomes 0, so even a mis-speculated load reads inside the table.
 *
 * <p>Use it on every array, {@code VarHandle} or list lookup whose index a guest controls (SBI
 * extension and function numbers, event-channel ports, domain ids, guest-physical offsets into
 * RAM), <em>after</em> the ordinary bounds check, which still decides what the guest is told.
 * {@code NospecLookupsTest} checks the compiled {@code sbi}, {@code evtchn} and {@code memory}
 * packages for lookups that bypass it.
 *
 * <p>The mask is the sign of {@code index | (length - 1 - index)}: negative exactly when
 * {@code index < 0} or {@code index >= length}. Shifts, ors and ands only: HotSpot's C2 has no
 * reason to turn them into a branch. Costs a few ALU operations per lookup.
 */
public final class Nospec {
    private Nospec() {
    }

    /**
     * {@code index} when {@code 0 <= index < length}, else 0; without a branch.
     *
     * @param length the table's length, positive
     */
    public static int index(int index, int length) {
        int mask = ~(index | (length - 1 - index)) >> 31;
        return index & mask;
    }

    /**
     * {@code index} when {@code 0 <= index < length}, else 0; without a branch. For guest values
     * held in a {@code long} (registers, RAM offsets), so no truncation happens before the clamp.
     *
     * @param length the table's length, positive and at most {@code Integer.MAX_VALUE + 1}
     */
    public static int index(long index, long length) {
        long mask = ~(index | (length - 1 - index)) >> 63;
        return (int) (index & mask);
    }
}
