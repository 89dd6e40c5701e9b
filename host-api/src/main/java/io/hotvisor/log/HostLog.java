package io.hotvisor.log;

import java.util.Objects;
import java.util.ResourceBundle;

/**
 * A {@link System.Logger} that looks its backend up on the first message that passes the process's
 * floor, instead of when the class that owns it is initialised.
 *
 * <p>{@link System#getLogger} starts the platform's logging machinery at once: a service lookup
 * that opens every jar on the class path, then {@code java.util.logging}'s configuration, some 35 ms
 * on the project's reference machine. The host's classes hold their loggers in static fields, so
 * that cost used to fall on every start, including {@code hv run}, which by default shows only
 * warnings. A {@code HostLog} asked about a level below the {@linkplain #floor(System.Logger.Level)
 * floor} answers without a backend; anything at or above it goes to {@code System.getLogger(name)},
 * looked up once, with that logger's own level and handlers deciding as before.
 *
 * <p>The floor is process-wide and {@link System.Logger.Level#ALL} unless a launcher lowers the
 * noise: the host service leaves it there, so its log, the control plane's log ring and tests see
 * every message exactly as with {@code System.getLogger}.
 */
public final class HostLog implements System.Logger {
    private static volatile Level floor = Level.ALL;

    private final String name;
    private volatile System.Logger backend;

    private HostLog(String name) {
        this.name = Objects.requireNonNull(name, "name");
    }

    /** A logger named {@code name}; its backend is looked up when it first logs. */
    public static System.Logger get(String name) {
        return new HostLog(name);
    }

    /**
     * Drops, in every {@code HostLog} of this process, messages below {@code level} before any
     * backend sees them. For launchers that show only warnings: set it before the host starts.
     */
    public static void floor(Level level) {
        floor = Objects.requireNonNull(level, "level");
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public boolean isLoggable(Level level) {
        return passes(level) && backend().isLoggable(level);
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
        if (passes(level)) backend().log(level, bundle, msg, thrown);
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String format, Object... params) {
        if (passes(level)) backend().log(level, bundle, format, params);
    }

    private static boolean passes(Level level) {
        return level.getSeverity() >= floor.getSeverity();
    }

    private System.Logger backend() {
        System.Logger b = backend;
        if (b == null) {
            b = System.getLogger(name);
            backend = b;
        }
        return b;
    }
}
