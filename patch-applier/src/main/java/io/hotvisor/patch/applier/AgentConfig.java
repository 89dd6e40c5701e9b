package io.hotvisor.patch.applier;

import io.hotvisor.control.Taints;
import io.hotvisor.patch.applier.health.HealthCheck;
import io.hotvisor.patch.format.LivepatchMechanism;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Tunables of a {@link LivepatchAgent}.
 *
 * @param rendezvousTimeout  default quiesce timeout (Xen's 30 ms); an action may override it
 * @param hookTimeout        bound on a pre- or post-hook and on a payload's health probe
 * @param windowHookTimeout  bound on an apply or revert hook, which runs with every pCPU parked: a
 *                           hook past it is interrupted and waited for, at most this bound again,
 *                           then the action is rolled back in the same window (so a hung hook can
 *                           stretch the guest pause to twice this bound); a hook that ignores its
 *                           interrupt that long makes the action INCONSISTENT, naming its thread
 * @param healthWindow       how long the health watch runs after an apply (0: no watch)
 * @param healthPeriod       how often its checks run
 * @param healthChecks       host-provided checks (uncaught exceptions, pCPU progress, ...)
 * @param events             receives every event (the host turns them into {@code dmesg} lines)
 * @param taints             the host's taint flags, which the agent sets: {@code livepatch} when a
 *                           payload is applied (or re-applied at boot), {@code forced} for an
 *                           operator's {@code --nodeps}, {@code health-revert} when the health watch
 *                           reverts, {@code degraded} when the journal or state directory cannot be trusted
 * @param afterBatch         run inside the window after every class batch the JVM took (an apply's,
 *                           a revert's, a rollback's), with every pCPU still parked: the host drops
 *                           its translated guest code there, so no block translated by replaced code
 *                           runs again
 * @param faultPoint         for fault-injection runs only: the {@link FaultPoint} where an operator's
 *                           action stops until the host is killed, or null (always, in service)
 * @param mechanism          how the host applies payloads' classes ({@code host.cfg}'s
 *                           {@code livepatch-mechanism}; the redefiner given to the agent must be the
 *                           one it names): an upload of a payload that requires what it does not
 *                           provide (a trampoline) is refused with {@link ErrorCode#WRONG_MECHANISM}
 */
public record AgentConfig(Duration rendezvousTimeout, Duration hookTimeout, Duration windowHookTimeout,
                          Duration healthWindow, Duration healthPeriod, List<HealthCheck> healthChecks,
                          Consumer<LivepatchEvent> events, Taints taints, Runnable afterBatch, String faultPoint,
                          LivepatchMechanism mechanism) {
    public AgentConfig {
        Objects.requireNonNull(rendezvousTimeout, "rendezvousTimeout");
        Objects.requireNonNull(hookTimeout, "hookTimeout");
        Objects.requireNonNull(windowHookTimeout, "windowHookTimeout");
        Objects.requireNonNull(healthWindow, "healthWindow");
        Objects.requireNonNull(healthPeriod, "healthPeriod");
        healthChecks = List.copyOf(healthChecks);
        Objects.requireNonNull(events, "events");
        Objects.requireNonNull(taints, "taints");
        Objects.requireNonNull(afterBatch, "afterBatch");
        Objects.requireNonNull(mechanism, "mechanism");
        if (faultPoint != null) {
            FaultPoint.armed(faultPoint); // a name that is not a point is refused here, listing the points
        }
    }

    /**
     * 30 ms rendezvous, 5 s hooks, 200 ms in-window hooks, a 10 s health watch every 100 ms, no checks,
     * taints of its own, the redefine mechanism.
     */
    public static AgentConfig defaults() {
        return new AgentConfig(Duration.ofMillis(30), Duration.ofSeconds(5), Duration.ofMillis(200),
                Duration.ofSeconds(10), Duration.ofMillis(100), List.of(), e -> { }, new Taints(), () -> { }, null,
                LivepatchMechanism.REDEFINE);
    }

    public AgentConfig withRendezvousTimeout(Duration d) {
        return new AgentConfig(d, hookTimeout, windowHookTimeout, healthWindow, healthPeriod, healthChecks, events, taints, afterBatch, faultPoint, mechanism);
    }

    public AgentConfig withHookTimeouts(Duration outside, Duration inWindow) {
        return new AgentConfig(rendezvousTimeout, outside, inWindow, healthWindow, healthPeriod, healthChecks, events, taints, afterBatch, faultPoint, mechanism);
    }

    public AgentConfig withHealthWatch(Duration window, Duration period, List<HealthCheck> checks) {
        return new AgentConfig(rendezvousTimeout, hookTimeout, windowHookTimeout, window, period, checks, events, taints, afterBatch, faultPoint, mechanism);
    }

    public AgentConfig withEvents(Consumer<LivepatchEvent> sink) {
        return new AgentConfig(rendezvousTimeout, hookTimeout, windowHookTimeout, healthWindow, healthPeriod, healthChecks, sink, taints, afterBatch, faultPoint, mechanism);
    }

    /** Sets the host's taint flags (see {@link #taints}) instead of a registry of the agent's own. */
    public AgentConfig withTaints(Taints t) {
        return new AgentConfig(rendezvousTimeout, hookTimeout, windowHookTimeout, healthWindow, healthPeriod, healthChecks, events, t, afterBatch, faultPoint, mechanism);
    }

    /** Runs {@code r} inside the window after every class batch (see {@link #afterBatch}). */
    public AgentConfig withAfterBatch(Runnable r) {
        return new AgentConfig(rendezvousTimeout, hookTimeout, windowHookTimeout, healthWindow, healthPeriod, healthChecks, events, taints, r, faultPoint, mechanism);
    }

    /** Says how the host applies payloads' classes (see {@link #mechanism}). */
    public AgentConfig withMechanism(LivepatchMechanism m) {
        return new AgentConfig(rendezvousTimeout, hookTimeout, windowHookTimeout, healthWindow, healthPeriod, healthChecks, events, taints, afterBatch, faultPoint, m);
    }

    /** Arms a {@link FaultPoint} (fault-injection runs only). @throws IllegalArgumentException for an unknown point */
    public AgentConfig withFaultPoint(String point) {
        return new AgentConfig(rendezvousTimeout, hookTimeout, windowHookTimeout, healthWindow, healthPeriod, healthChecks, events, taints, afterBatch, point, mechanism);
    }
}
