package io.hotvisor.runtime.control;

import io.hotvisor.control.ControlCommand;
import io.hotvisor.control.ControlException;
import io.hotvisor.control.ControlProtocol;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;

/**
 * The host's control server: a UNIX domain socket, created 0600, speaking {@link ControlProtocol}.
 *
 * <p>Only the host's own user and root may control the host: every connection's peer is checked
 * with {@link PeerCredentials} before a byte is read, and anyone else gets one "permission denied"
 * response and is logged. Malformed, oversized and unknown requests get an error response; none of
 * them disturbs the host or other connections. Thread-safe; at most {@link #MAX_CONNECTIONS}
 * connections are served at once.
 */
public final class ControlServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("hotvisor.control");
    public static final int MAX_CONNECTIONS = 32;

    private final Path socket;
    private final PeerCredentials credentials;
    private final String owner;
    private final Map<String, ControlCommand> commands = new ConcurrentHashMap<>();
    private final ExecutorService workers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "control-connection");
        t.setDaemon(true);
        return t;
    });
    private final Semaphore slots = new Semaphore(MAX_CONNECTIONS);
    private ServerSocketChannel server;
    private Thread acceptor;
    private volatile boolean open;

    public ControlServer(Path socket, PeerCredentials credentials) {
        this.socket = socket;
        this.credentials = credentials;
        this.owner = System.getProperty("user.name");
    }

    public void register(ControlCommand command) {
        commands.put(command.name(), command);
    }

    public void unregister(String name) {
        commands.remove(name);
    }

    public Path socket() { return socket; }

    /** Binds the socket (replacing a stale file left by a dead host) and starts accepting. */
    public synchronized void start() throws IOException {
        Path dir = socket.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Files.deleteIfExists(socket);
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
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
            if (!slots.tryAcquire()) {
                refuse(ch, "BUSY", "too many control connections; retry", ControlException.EXIT_BUSY);
                continue;
            }
            workers.execute(() -> {
                try {
                    serve(ch);
                } finally {
                    slots.release();
                }
            });
        }
    }

    private void serve(SocketChannel ch) {
        try (ch) {
            String user;
            try {
                user = credentials.userOf(ch);
            } catch (IOException | RuntimeException e) {
                user = null;
            }
            if (user == null || !(user.equals(owner) || user.equals("root"))) {
                LOG.log(System.Logger.Level.WARNING, "control connection from user {0} refused: only {1} or root may control this host", user, owner);
                refuse(ch, "PERMISSION_DENIED", "permission denied: only user " + owner + " or root may control this host", 1);
                return;
            }
            DataInputStream in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(ch)));
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(ch)));
            while (open) {
                JsonNode request;
                try {
                    request = ControlProtocol.read(in);
                } catch (ControlException e) {
                    ControlProtocol.write(out, ControlProtocol.error(e.code(), e.getMessage(), e.exitStatus()));
                    return; // the framing is lost: nothing after a bad frame can be trusted
                }
                if (request == null) return;
                Runnable[] after = new Runnable[1];
                ControlProtocol.write(out, dispatch(request, out, after));
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

    private JsonNode dispatch(JsonNode request, DataOutputStream out, Runnable[] after) {
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
        try {
            Object result = command.handle(args, partial -> {
                try {
                    var node = ControlProtocol.JSON.valueToTree(partial);
                    ControlProtocol.write(out, ControlProtocol.ok(node));
                    return true;
                } catch (IOException e) {
                    return false;
                }
            });
            if (result instanceof ControlCommand.ThenRun then) {
                after[0] = then.after();
                result = then.result();
            }
            return ControlProtocol.ok(ControlProtocol.JSON.valueToTree(result));
        } catch (ControlException e) {
            return ControlProtocol.error(e.code(), e.getMessage(), e.exitStatus());
        } catch (IllegalArgumentException e) {
            return ControlProtocol.error("INVALID_ARGUMENT", e.getMessage(), 1);
        } catch (Exception e) {
            LOG.log(System.Logger.Level.ERROR, "control command " + name.asText() + " failed", e);
            return ControlProtocol.error("INTERNAL", "internal error in " + name.asText() + ": " + e + " (see hvctl dmesg)", 1);
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
        workers.shutdownNow();
        Files.deleteIfExists(socket);
    }
}
