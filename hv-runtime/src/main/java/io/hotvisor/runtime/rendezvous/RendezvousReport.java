package io.hotvisor.runtime.rendezvous;

/**
 * Timings of one completed rendezvous.
 *
 * @param quiesceNanos from the request until the last pCPU parked
 * @param windowNanos  from the last pCPU parking until release: the action's own time
 * @param pauseNanos   from the first pCPU parking until release: the longest any guest stood still
 */
public record RendezvousReport(long quiesceNanos, long windowNanos, long pauseNanos) {}
