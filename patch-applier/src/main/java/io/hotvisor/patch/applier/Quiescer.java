package io.hotvisor.patch.applier;

import io.hotvisor.runtime.rendezvous.Rendezvous;
import io.hotvisor.runtime.rendezvous.RendezvousBusyException;
import io.hotvisor.runtime.rendezvous.RendezvousReport;

import java.time.Duration;
import java.util.Objects;

/**
 * Stop-machine: runs an action with every pCPU parked at its safe point, or refuses with
 * {@link RendezvousBusyException} (nothing ran) when they do not all arrive within the timeout.
 * The agent hands it an action that never throws an {@link Error}.
 */
@FunctionalInterface
public interface Quiescer {
    /**
     * Runs {@code action} while every pCPU is parked.
     *
     * @throws RendezvousBusyException when the pCPUs did not quiesce in time, or another rendezvous runs
     * @throws Exception                what the action threw, after the pCPUs were released
     */
    RendezvousReport run(Rendezvous.Action action, Duration timeout) throws Exception;

    /** The production quiescer: the host's {@link Rendezvous}. */
    final class ForRendezvous implements Quiescer {
        private final Rendezvous rendezvous;

        public ForRendezvous(Rendezvous rendezvous) {
            this.rendezvous = Objects.requireNonNull(rendezvous, "rendezvous");
        }

        @Override
        public RendezvousReport run(Rendezvous.Action action, Duration timeout) throws Exception {
            return rendezvous.run(action, timeout);
        }
    }
}
