package io.hotvisor.runtime.memory;

/**
 * A guest access that guest-physical memory refuses: outside RAM, or misaligned.
 *
 * <p>Thrown only on the failure path, without a stack trace, so that the interpreter can turn it
 * into an architectural trap cheaply. It never escapes a vCPU.
 */
public final class GuestMemoryFault extends RuntimeException {
    /** What kind of access faulted. */
    public enum Access { FETCH, LOAD, STORE }

    private final Access access;
    private final boolean misaligned;
    private final long address;

    public GuestMemoryFault(Access access, boolean misaligned, long address) {
        super(null, null, false, false);
        this.access = access;
        this.misaligned = misaligned;
        this.address = address;
    }

    public Access access() { return access; }

    public boolean misaligned() { return misaligned; }

    public long address() { return address; }

    @Override
    public String getMessage() {
        return (misaligned ? "misaligned " : "out-of-range ") + access.name().toLowerCase()
                + " at 0x" + Long.toHexString(address);
    }
}
