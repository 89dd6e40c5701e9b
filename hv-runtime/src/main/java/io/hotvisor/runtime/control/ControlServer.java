package io.hotvisor.runtime.control;

import io.hotvisor.control.ControlCommand;
import io.hotvisor.control.ControlException;
import io.hotvisor.control.ControlNames;
import io.hotvisor.control.ControlProtocol;
import io.hotvisor.log.HostLog;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.PushbackInputStream;
import java.nio.ByteBuffer;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The host's control server: a UNIX domain socket, created 0600, speaking {@link ControlProtocol}.
 *
 * <p>Only the host's own user and root may control the host: every connection's peer is checked
 * with {@link PeerCredentials} before a byte is read, and anyone else gets one "permission denied"
 * response and is logged, without taking a connection slot. Malformed, oversized and unknown
 * requests get an error response; none of them disturbs the host or other connections. Slots,
 * eviction of idle and stalled connections, and the idle and frame deadlines are
 * {@link ControlConnections}' rules: a flood of idle or stalled connections never locks the
 * operator out, and a frame's memory grows only with the bytes that actually arrived. Thread-safe.
 */
public final class ControlServer implements AutoCloseable {
    /** How long a followed stream waits for a change before it polls again. */
    private static final long FOLLOW_POLL_MILLIS = 50;
    private static final System.Logger LOG = HostLog.get("hotvisor.control");
    /** Ordinary connection slots; one more is reserved (see {@link ControlConnections}). */
    public static final int MAX_CONNECTIONS = ControlConnections.MAX_CONNECTIONS;

    private final Path socket;
    private final PeerCredentials credentials;
    private final String owner;
    private final Map<String, ControlCommand> commands = new ConcurrentHashMap<>();
    private final ExecutorService workers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "control-connection");
        t.setDaemon(true);
        return t;
    });
    private final Duration idleTimeout;
    private final Duration frameTimeout;
    private ControlConnections connections;
    private ServerSocketChannel server;
    private Thread acceptor;
    private volatile boolean open;
    private volatile Audit audit = Audit.NONE;

    public ControlServer(Path socket, PeerCredentials credentials) {
        this(socket, credentials, ControlConnections.DEFAULT_IDLE_TIMEOUT, ControlConnections.DEFAULT_FRAME_TIMEOUT);
    }

    /**
     * @param idleTimeout  how long a connection may wait for its next request before it is closed
     * @param frameTimeout how long a request may take from its length header to its last byte
     */
    public ControlServer(Path socket, PeerCredentials credentials, Duration idleTimeout, Duration frameTimeout) {
        this.socket = socket;
        this.credentials = credentials;
        this.owner = System.getProperty("user.name");
        this.idleTimeout = idleTimeout;
        this.frameTimeout = frameTimeout;
    }

    /** Records every request that changes the host, and every refused peer, in {@code trail}. */
    public void audit(AuditTrail trail) {
        this.audit = new Audit(trail);
    }

    public void register(ControlCommand command) {
        commands.put(command.name(), command);
    }

    public void unregister(String name) {
        commands.remove(name);
    }

    public Path socket() { return socket; }

    /** Connections holding a slot now. */
    int connections() { return connections == null ? 0 : connections.size(); }

    /** Binds the socket (replacing a stale file left by a dead host) and starts accepting. */
    public synchronized void start() throws IOException {
        Path dir = socket.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Files.deleteIfExists(socket);
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        connections = new ControlConnections(idleTimeout, frameTimeout);
        open = true;
        acceptor = new Thread(this::acceptLoop, "control-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        LOG.log(System.Logger.Level.INFO, "control socket listening at {0}", socket);
    }

    private void acceptLoop() {
        while (open) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (IOException e) {
                if (open) LOG.log(System.Logger.Level.WARNING, "control socket accept failed: {0}", e.getMessage());
                return;
            }
            String user = authorised(ch);
            if (user == null) continue;
            Optional<ControlConnections.Connection> slot = connections.admit(ch);
            if (slot.isEmpty()) {
                refuse(ch, "BUSY", "every control connection (" + (MAX_CONNECTIONS + 1) + ") is running a command; retry",
                        ControlException.EXIT_BUSY);
                continue;
            }
            workers.execute(() -> {
                try {
                    serve(slot.get(), user);
                } finally {
                    slot.get().release();
                }
            });
        }
    }

    /**
     * Checks the peer on the accepting thread (one getsockopt), so a refused peer never holds a slot.
     *
     * @return the peer's user when it may control the host, else null (refused, logged and audited)
     */
    private String authorised(SocketChannel ch) {
        String user;
        try {
            user = credentials.userOf(ch);
        } catch (IOException | RuntimeException e) {
            user = null;
        }
        if (user != null && (user.equals(owner) || user.equals("root"))) return user;
        LOG.log(System.Logger.Level.WARNING, "control connection from user {0} refused: only {1} or root may control this host", user, owner);
        String message = "permission denied: only user " + owner + " or root may control this host";
        audit.refusedPeer(user, message);
        refuse(ch, "PERMISSION_DENIED", message, 1);
        return null;
    }

    private void serve(ControlConnections.Connection connection, String user) {
        SocketChannel ch = connection.channel;
        try (ch) {
            PushbackInputStream pushback = new PushbackInputStream(new BufferedInputStream(connection.input(Channels.newInputStream(ch))), 1);
            DataInputStream in = new DataInputStream(pushback);
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(ch)));
            while (open) {
                JsonNode request;
                try {
                    connection.idle();
                    int length = ControlProtocol.readLength(in);
                    if (length < 0) return;
                    connection.frame();
                    request = ControlProtocol.readBody(in, length);
                } catch (ControlException e) {
                    connection.command();
                    ControlProtocol.write(out, ControlProtocol.error(e.code(), e.getMessage(), e.exitStatus()));
                    return; // the framing is lost: nothing after a bad frame can be trusted
                }
                connection.command();
                Runnable[] after = new Runnable[1];
                ControlProtocol.write(out, dispatch(request, user, out, after, () -> stillConnected(ch, pushback)));
                if (after[0] != null) {
                    Thread t = new Thread(after[0], "control-after-reply");
                    t.start();
                    return;
                }
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "control connection closed: {0}", e.getMessage());
        }
    }

    /**
     * Whether the peer of a connection running a command is still there: one non-blocking read.
     * A byte that arrived (a pipelined request) is pushed back for the next frame.
     */
    private static boolean stillConnected(SocketChannel ch, PushbackInputStream pushback) {
        try {
            ByteBuffer one = ByteBuffer.allocate(1);
            int n;
            synchronized (ch.blockingLock()) {
                ch.configureBlocking(false);
                try {
                    n = ch.read(one);
                } finally {
                    ch.configureBlocking(true);
                }
            }
            if (n > 0) pushback.unread(one.get(0));
            return n >= 0;
        } catch (IOException e) {
            return false;
        }
    }

    private JsonNode dispatch(JsonNode request, String user, DataOutputStream out, Runnable[] after, BooleanSupplier connected) {
        JsonNode version = request.get("version");
        JsonNode name = request.get("command");
        if (version == null || !version.canConvertToInt() || name == null || !name.isTextual()) {
            return ControlProtocol.error("BAD_REQUEST", "a request needs a numeric \"version\" and a string \"command\"", 1);
        }
        if (version.asInt() != ControlProtocol.VERSION) {
            return ControlProtocol.error("BAD_VERSION", "protocol version " + version.asInt() + " is not supported; this host speaks version "
                    + ControlProtocol.VERSION + ": use the hvctl of the same release", 1);
        }
        ControlCommand command = commands.get(name.asText());
        if (command == null) {
            return ControlProtocol.error("UNKNOWN_COMMAND", "unknown command '" + name.asText() + "'", 1);
        }
        JsonNode args = request.has("args") ? request.get("args") : ControlProtocol.JSON.createObjectNode();
        if (!ControlNames.Command.changesHost(name.asText(), args)) {
            return run(command, name.asText(), args, out, after, connected);
        }
        Audit.Request audited = audit.request(user, request.get("pid"), name.asText(), args, command);
        String unavailable = audit.unavailable();
        // Shutdown stays possible: it is how the operator gets out to repair the state directory.
        if (unavailable != null && !name.asText().equals(ControlNames.Command.SHUTDOWN)) {
            LOG.log(System.Logger.Level.ERROR, "{0} from user {1} refused: {2}", name.asText(), user, unavailable);
            return ControlProtocol.error("AUDIT_UNAVAILABLE", name.asText() + " refused: " + unavailable
                    + "; nothing that changes the host runs unaudited. Fix the state directory and restart the host", 1);
        }
        JsonNode reply = run(command, name.asText(), args, out, after, connected);
        audit.record(audited, reply);
        return reply;
    }

    private JsonNode run(ControlCommand command, String name, JsonNode args, DataOutputStream out, Runnable[] after,
                         BooleanSupplier connected) {
        try {
            Object result = command.handle(args, new ControlCommand.Stream() {
                @Override
                public boolean send(Object partial) {
                    try {
                        var node = ControlProtocol.JSON.valueToTree(partial);
                        ControlProtocol.write(out, ControlProtocol.ok(node));
                        return true;
                    } catch (IOException e) {
                        return false;
                    }
                }

                @Override
                public boolean clientConnected() {
                    return connected.getAsBoolean();
                }
            });
            if (result instanceof ControlCommand.ThenRun then) {
                after[0] = then.after();
                result = then.result();
            }
            if (result instanceof ControlCommand.Follow follow) {
                result = follow(follow, out, connected);
            }
            return ControlProtocol.ok(ControlProtocol.JSON.valueToTree(result));
        } catch (ControlException e) {
            return ControlProtocol.error(e.code(), e.getMessage(), e.exitStatus());
        } catch (IllegalArgumentException e) {
            return ControlProtocol.error("INVALID_ARGUMENT", e.getMessage(), 1);
        } catch (Exception | LinkageError e) {
            // A LinkageError is code that no longer fits the code it calls (a bundle left at an old
            // version): the command fails, the operator is told, and the connection stays usable.
            LOG.log(System.Logger.Level.ERROR, "control command " + name + " failed", e);
            return ControlProtocol.error("INTERNAL", "internal error in " + name + ": " + e + " (see hvctl dmesg)", 1);
        }
    }

    /**
     * Streams a {@link ControlCommand.Follow} until it ends or the client goes away, waiting between
     * polls here, in the server's own frames, never inside the command's code.
     */
    private static Object follow(ControlCommand.Follow follow, DataOutputStream out, BooleanSupplier connected)
            throws Exception {
        while (true) {
            Object part = follow.poll();
            if (part != null) {
                try {
                    ControlProtocol.write(out, ControlProtocol.ok(ControlProtocol.JSON.valueToTree(part)));
                } catch (IOException gone) {
                    return follow.end() != null ? follow.end() : part;
                }
            }
            Object end = follow.end();
            if (end != null) {
                return end;
            }
            if (!connected.getAsBoolean()) {
                return part; // nobody to tell: free the slot
            }
            try {
                follow.change().get(FOLLOW_POLL_MILLIS, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                // nothing changed yet: poll again
            }
        }
    }

    private static void refuse(SocketChannel ch, String code, String message, int exit) {
        try (ch) {
            DataOutputStream out = new DataOutputStream(Channels.newOutputStream(ch));
            ControlProtocol.write(out, ControlProtocol.error(code, message, exit));
        } catch (IOException ignored) {
            // the peer is gone: nothing to tell it
        }
    }

    @Override
    public synchronized void close() throws IOException {
        open = false;
        if (server != null) server.close();
        if (connections != null) connections.close();
        workers.shutdownNow();
        Files.deleteIfExists(socket);
    }
}
