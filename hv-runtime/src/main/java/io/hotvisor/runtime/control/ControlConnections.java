package io.hotvisor.runtime.control;

import io.hotvisor.log.HostLog;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The control socket's connection slots and deadlines: who is connected, what each connection is
 * doing, and which one gives way when the slots run out.
 *
 * <p>Fail-closed rules, so that one operator always gets in:
 * <ul>
 *   <li>{@link #MAX_CONNECTIONS} ordinary slots plus one reserved slot. A new connection that
 *       finds the ordinary slots full first evicts the reading connection (idle, or inside a
 *       frame) whose last byte arrived longest ago, so a stalled frame goes before an upload in
 *       progress; a connection running a command is never evicted. Only when every slot runs a command does it take the reserved slot, and
 *       only when that too is taken is it refused as busy.</li>
 *   <li>A connection waiting for a request is closed after the idle timeout; a frame whose
 *       header arrived must be complete within the frame deadline.</li>
 * </ul>
 * The caller checks the peer's credentials before {@link #admit}, so a refused peer never holds a
 * slot. Thread-safe.
 */
final class ControlConnections implements AutoCloseable {
    private static final System.Logger LOG = HostLog.get("hotvisor.control");
    /** Ordinary slots: more than operators and their scripts plausibly keep open. */
    static final int MAX_CONNECTIONS = 64;
    /** How long a connection may wait for its next request. */
    static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(5);
    /** How long one frame may take from its header to its last byte (a 64 MiB upload takes well under a second). */
    static final Duration DEFAULT_FRAME_TIMEOUT = Duration.ofSeconds(30);

    /** What a connection is doing: only a connection that is reading may be evicted or timed out. */
    enum Phase { IDLE, FRAME, COMMAND }

    /** One admitted connection. */
    final class Connection {
        final SocketChannel channel;
        final boolean reserved;
        private volatile Phase phase = Phase.IDLE;
        private volatile long since = System.nanoTime();
        private volatile long lastByte = since;

        private Connection(SocketChannel channel, boolean reserved) {
            this.channel = channel;
            this.reserved = reserved;
        }

        /** Waiting for the next request: the idle timeout runs from now. */
        void idle() { enter(Phase.IDLE); }

        /** A frame's header arrived: the frame deadline runs from now. */
        void frame() { enter(Phase.FRAME); }

        /** A command runs: no deadline, not evictable. */
        void command() { enter(Phase.COMMAND); }

        private void enter(Phase p) {
            since = System.nanoTime();
            lastByte = since;
            phase = p;
        }

        /** The connection's input, noting when bytes arrive (the eviction order). */
        InputStream input(InputStream raw) {
            return new FilterInputStream(raw) {
                @Override
                public int read() throws IOException {
                    int b = super.read();
                    if (b >= 0) lastByte = System.nanoTime();
                    return b;
                }

                @Override
                public int read(byte[] buffer, int off, int len) throws IOException {
                    int n = super.read(buffer, off, len);
                    if (n > 0) lastByte = System.nanoTime();
                    return n;
                }
            };
        }

        /** Frees the slot; idempotent, and a no-op for a connection that was evicted. */
        void release() {
            synchronized (ControlConnections.this) {
                live.remove(this);
            }
        }

        private boolean expired(long now) {
            return switch (phase) {
                case IDLE -> now - since > idleTimeout.toNanos();
                case FRAME -> now - since > frameTimeout.toNanos();
                case COMMAND -> false;
            };
        }
    }

    private final Duration idleTimeout;
    private final Duration frameTimeout;
    private final List<Connection> live = new ArrayList<>();
    private final ScheduledExecutorService watch = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "control-deadlines");
        t.setDaemon(true);
        return t;
    });

    ControlConnections(Duration idleTimeout, Duration frameTimeout) {
        if (idleTimeout.isNegative() || idleTimeout.isZero() || frameTimeout.isNegative() || frameTimeout.isZero()) {
            throw new IllegalArgumentException("control timeouts must be positive, got idle " + idleTimeout + " and frame " + frameTimeout);
        }
        this.idleTimeout = idleTimeout;
        this.frameTimeout = frameTimeout;
        // Checked a few times per the shorter deadline, at most once a second.
        long period = Math.max(10, Math.min(1000, Math.min(idleTimeout.toMillis(), frameTimeout.toMillis()) / 4));
        watch.scheduleAtFixedRate(this::closeExpired, period, period, TimeUnit.MILLISECONDS);
    }

    /**
     * Gives {@code channel} a slot, evicting the longest-waiting reading connection if the ordinary
     * slots are full; empty when every slot, the reserved one included, runs a command.
     */
    Optional<Connection> admit(SocketChannel channel) {
        Connection victim = null;
        Connection admitted;
        synchronized (this) {
            long ordinary = live.stream().filter(c -> !c.reserved).count();
            if (ordinary < MAX_CONNECTIONS) {
                admitted = new Connection(channel, false);
            } else {
                victim = live.stream().filter(c -> c.phase != Phase.COMMAND)
                        .min(Comparator.comparingLong(c -> c.lastByte)).orElse(null);
                if (victim != null) {
                    live.remove(victim);
                    admitted = new Connection(channel, victim.reserved);
                } else if (live.stream().noneMatch(c -> c.reserved)) {
                    admitted = new Connection(channel, true);
                } else {
                    return Optional.empty();
                }
            }
            live.add(admitted);
        }
        if (victim != null) {
            // DEBUG: a flood must not flood the log ring it would push the operator's lines out of.
            LOG.log(System.Logger.Level.DEBUG, "control socket full: closed a connection that was {0} for {1} ms to admit a new one",
                    victim.phase == Phase.IDLE ? "idle" : "stalled inside a frame", (System.nanoTime() - victim.since) / 1_000_000);
            close(victim);
        }
        return Optional.of(admitted);
    }

    /** Connections holding a slot now. */
    synchronized int size() {
        return live.size();
    }

    private void closeExpired() {
        long now = System.nanoTime();
        List<Connection> expired = new ArrayList<>();
        synchronized (this) {
            for (Connection c : live) {
                if (c.expired(now)) expired.add(c);
            }
            live.removeAll(expired);
        }
        for (Connection c : expired) {
            LOG.log(System.Logger.Level.DEBUG, "control connection closed: {0}", c.phase == Phase.IDLE
                    ? "no request for " + idleTimeout.toMillis() + " ms"
                    : "a frame not complete within " + frameTimeout.toMillis() + " ms");
            close(c);
        }
    }

    private static void close(Connection c) {
        try {
            c.channel.close(); // wakes its reader with an AsynchronousCloseException
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        watch.shutdownNow();
        List<Connection> all;
        synchronized (this) {
            all = new ArrayList<>(live);
            live.clear();
        }
        all.forEach(ControlConnections::close);
    }
}
