package io.hotvisor.microcode.load;

import io.hotvisor.runtime.rendezvous.Rendezvous;
import io.hotvisor.runtime.rendezvous.RendezvousBusyException;
import io.hotvisor.runtime.rendezvous.RendezvousReport;
import java.time.Duration;
import java.util.Objects;

/** The real {@link PerCoreStopMachine}: hv-runtime's {@link Rendezvous#runPerCore}. Thread-safe. */
public final class RendezvousStopMachine implements PerCoreStopMachine {

    private final Rendezvous rendezvous;

    public RendezvousStopMachine(Rendezvous rendezvous) {
        this.rendezvous = Objects.requireNonNull(rendezvous, "rendezvous");
    }

    @Override
    public Report runPerCore(CoreAction action, Duration timeout) throws Exception {
        try {
            RendezvousReport r = rendezvous.runPerCore(action::run, timeout);
            return new Report(r.quiesceNanos(), r.windowNanos(), r.pauseNanos());
        } catch (RendezvousBusyException e) {
            throw new BusyException(e.getMessage());
        }
    }
}
