package io.hotvisor.runtime.rendezvous;

/**
 * Not every pCPU reached its safe point in time, or another rendezvous was in progress: nothing was
 * run, every pCPU has been released, and the caller may retry (Xen's -EBUSY).
 */
public final class RendezvousBusyException extends Exception {
    public RendezvousBusyException(String message) {
        super(message);
    }
}
