package io.hotvisor.patch.applier;

import java.time.Clock;
import java.util.function.Consumer;

/** The agent's log lines: each goes to the JVM's logger and to the configured sink (the host's dmesg). */
final class Events {
    private static final System.Logger LOG = System.getLogger("hotvisor.livepatch");

    private final Clock clock;
    private final Consumer<LivepatchEvent> sink;

    Events(Clock clock, Consumer<LivepatchEvent> sink) {
        this.clock = clock;
        this.sink = sink;
    }

    void info(String payload, String message) {
        emit(System.Logger.Level.INFO, payload, message);
    }

    void warning(String payload, String message) {
        emit(System.Logger.Level.WARNING, payload, message);
    }

    void error(String payload, String message) {
        emit(System.Logger.Level.ERROR, payload, message);
    }

    /** A sink that throws loses its event, never the action that emitted it. */
    void emit(System.Logger.Level level, String payload, String message) {
        LivepatchEvent event = new LivepatchEvent(clock.instant(), level, payload, message);
        LOG.log(level, event.toString());
        try {
            sink.accept(event);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "livepatch event sink failed", e);
        }
    }
}
