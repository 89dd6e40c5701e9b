package io.hotvisor.runtime.control;

import io.hotvisor.control.ArgRange;
import io.hotvisor.control.ControlCommand;
import io.hotvisor.control.ControlException;
import io.hotvisor.control.ControlNames.Arg;
import io.hotvisor.control.ControlNames.Command;
import io.hotvisor.runtime.domain.Domain;
import io.hotvisor.runtime.domain.DomainConfig;
import io.hotvisor.runtime.domain.Vcpu;
import io.hotvisor.runtime.elf.ElfFormatException;
import io.hotvisor.runtime.host.BootDomains;
import io.hotvisor.runtime.host.Host;
import io.hotvisor.control.Taints;
import io.hotvisor.runtime.host.Version;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The host's own control commands, modelled on {@code xl}: info, list, create, destroy, pause,
 * unpause, console, vcpu-list, sched-credit2, dmesg and shutdown.
 */
public final class HostCommands {
    /**
     * What the OSGi layer knows about the running build: its build-id, its bundles, and the
     * distribution's build-info document (null when the host runs without one).
     */
    public record Build(String buildId, List<Map<String, String>> bundles, JsonNode buildInfo) {}

    public record Info(String version, String extraVersion, String buildId, String topology, int pcpus, String schedGran,
                       double uptimeSeconds, int domains, List<Map<String, String>> taint,
                       List<Map<String, Object>> bootDomains, List<Map<String, String>> bundles, JsonNode buildInfo) {}

    public record DomainRow(String name, int id, long memMiB, int vcpus, String state, double timeSeconds) {}

    public record VcpuRow(String domain, int id, int vcpu, String state, boolean running, long instructions, long slices) {}

    public record Credit2Row(String domain, int id, int weight, int cap) {}

    public record ConsoleChunk(String domain, String data, boolean more) {}

    private HostCommands() {}

    /** Registers every host command on {@code server}. */
    public static void register(ControlServer server, Host host, Supplier<Build> build, LogRing log, Runnable shutdown) {
        server.register(command(Command.INFO, (args, s) -> {
            Build b = build.get();
            return new Info(Version.version(), Version.extraVersion(), b.buildId(), host.config().topology().toString(),
                    host.config().topology().pcpus(), host.config().schedGran().toString(), host.uptimeNanos() / 1e9,
                    host.domains().size(), host.taints().marks().stream().map(Taints.Mark::toMap).toList(),
                    host.bootDomains().stream().map(BootDomains.Outcome::toMap).toList(), b.bundles(), b.buildInfo());
        }));
        server.register(command(Command.LIST, (args, s) -> {
            List<DomainRow> rows = new ArrayList<>();
            for (Domain d : host.domains()) {
                long nanos = d.vcpus().stream().mapToLong(Vcpu::runNanos).sum();
                rows.add(new DomainRow(d.name(), d.id(), d.config().memory() >> 20, d.vcpus().size(),
                        d.state().name().toLowerCase(), nanos / 1e9));
            }
            return rows;
        }));
        server.register(command(Command.CREATE, (args, s) -> create(host, args)));
        server.register(command(Command.DESTROY, (args, s) -> {
            Domain d = domain(host, args);
            d.destroy();
            return Map.of("domain", d.name(), "id", d.id(), "state", d.state().name().toLowerCase());
        }));
        server.register(command(Command.PAUSE, (args, s) -> {
            Domain d = domain(host, args);
            if (!d.pause()) throw new ControlException("WRONG_STATE", "domain " + d.name() + " has ended");
            return Map.of("domain", d.name(), "state", d.state().name().toLowerCase());
        }));
        server.register(command(Command.UNPAUSE, (args, s) -> {
            Domain d = domain(host, args);
            if (!d.unpause()) throw new ControlException("WRONG_STATE", "domain " + d.name() + " has ended");
            return Map.of("domain", d.name(), "state", d.state().name().toLowerCase());
        }));
        server.register(command(Command.CONSOLE, (args, stream) -> console(host, args, stream)));
        server.register(command(Command.VCPU_LIST, (args, s) -> {
            List<VcpuRow> rows = new ArrayList<>();
            for (Domain d : host.domains()) {
                for (Vcpu v : d.vcpus()) {
                    rows.add(new VcpuRow(d.name(), d.id(), v.index(), v.state().name().toLowerCase(), v.running(),
                            v.hart().instret(), v.slices()));
                }
            }
            return rows;
        }));
        server.register(command(Command.SCHED_CREDIT2, (args, s) -> {
            if (!args.hasNonNull(Arg.DOMAIN)) {
                return host.domains().stream().map(d -> new Credit2Row(d.name(), d.id(), d.weight(), d.cap())).toList();
            }
            Domain d = domain(host, args);
            int weight = (int) ArgRange.WEIGHT.of(args, Arg.WEIGHT, d.weight());
            int cap = (int) ArgRange.CAP.of(args, Arg.CAP, d.cap());
            d.adjust(weight, cap);
            return List.of(new Credit2Row(d.name(), d.id(), d.weight(), d.cap()));
        }));
        server.register(command(Command.DMESG, (args, s) -> log.lines()));
        server.register(command(Command.SHUTDOWN, (args, s) -> new ControlCommand.ThenRun(Map.of("shutdown", true), shutdown)));
    }

    /** The most records one {@code audit} answer carries (the newest); {@code --since} narrows it. */
    static final int AUDIT_LIMIT = 10_000;

    /**
     * Registers {@code audit}: the audit trail's records at or after {@code since} (ISO-8601), and
     * makes {@code server} record into {@code trail}.
     */
    public static void registerAudit(ControlServer server, AuditTrail trail) {
        server.audit(trail);
        server.register(command(Command.AUDIT, (args, s) -> {
            java.time.Instant since = null;
            String text = args.path(Arg.SINCE).asText("");
            if (!text.isEmpty()) {
                try {
                    since = java.time.Instant.parse(text);
                } catch (java.time.format.DateTimeParseException e) {
                    throw new ControlException("INVALID_ARGUMENT", "since '" + text + "' is not an ISO-8601 instant (2026-12-06T05:00:00Z)");
                }
            }
            List<AuditRecord> records = trail.since(since, AUDIT_LIMIT);
            Map<String, Object> out = new java.util.LinkedHashMap<>();
            out.put("file", trail.file().toString());
            out.put("records", records);
            String unavailable = trail.unavailable();
            if (unavailable != null) out.put("unavailable", unavailable);
            return out;
        }));
    }

    private static Object create(Host host, JsonNode args) throws ControlException {
        String name = text(args, Arg.NAME);
        byte[] image;
        try {
            image = Base64.getDecoder().decode(text(args, Arg.IMAGE));
        } catch (IllegalArgumentException e) {
            throw new ControlException("INVALID_ARGUMENT", "image is not base64");
        }
        DomainConfig cfg = new DomainConfig(name, image,
                (int) ArgRange.VCPUS.of(args, Arg.VCPUS, 1), MEMORY_BYTES.of(args, Arg.MEMORY, DomainConfig.DEFAULT_MEMORY),
                (int) ArgRange.WEIGHT.of(args, Arg.WEIGHT, DomainConfig.DEFAULT_WEIGHT), (int) ArgRange.CAP.of(args, Arg.CAP, 0));
        Domain d;
        try {
            d = host.create(cfg);
        } catch (ElfFormatException e) {
            throw new ControlException("BAD_IMAGE", "kernel of " + name + " cannot be loaded: " + e.getMessage());
        }
        if (!args.path(Arg.PAUSED).asBoolean(false)) d.boot();
        return Map.of("domain", d.name(), "id", d.id(), "state", d.state().name().toLowerCase());
    }

    /** A request gives memory in bytes; the operator's range is in MiB. */
    private static final ArgRange MEMORY_BYTES = new ArgRange("memory", ArgRange.MEMORY_MIB.min() << 20,
            ArgRange.MEMORY_MIB.max() << 20, "bytes");

    private static Object console(Host host, JsonNode args, ControlCommand.Stream stream) throws Exception {
        Domain d = domain(host, args);
        long offset = args.path(Arg.FROM).asLong(0);
        if (!args.path(Arg.FOLLOW).asBoolean(false)) {
            return new ConsoleChunk(d.name(), new String(d.console().since(offset), StandardCharsets.UTF_8), false);
        }
        return new ConsoleFollow(d, offset);
    }

    /**
     * {@code console --follow}: polled by the control server until the domain has ended and its
     * console is drained; the server does the waiting, so no frame of this class is on the
     * follower's stack between polls (a live patch of the console code is never blocked by it).
     */
    private static final class ConsoleFollow implements ControlCommand.Follow {
        private final Domain domain;
        private long offset;

        ConsoleFollow(Domain domain, long offset) {
            this.domain = domain;
            this.offset = offset;
        }

        @Override
        public Object poll() {
            byte[] chunk = domain.console().since(offset);
            offset += chunk.length;
            return chunk.length == 0 ? null : new ConsoleChunk(domain.name(), new String(chunk, StandardCharsets.UTF_8), true);
        }

        @Override
        public Object end() {
            return domain.state().ended() && domain.console().written() == offset
                    ? new ConsoleChunk(domain.name(), "", false) : null;
        }

        @Override
        public java.util.concurrent.CompletableFuture<?> change() {
            return domain.exit();
        }
    }

    static Domain domain(Host host, JsonNode args) throws ControlException {
        String key = text(args, Arg.DOMAIN);
        Domain d = host.byName(key);
        if (d == null && key.matches("\\d+")) d = host.byId(Long.parseLong(key));
        if (d == null) throw new ControlException("NOT_FOUND", "no domain named or numbered '" + key + "'; 'hvctl list' shows them");
        return d;
    }

    static String text(JsonNode args, String field) throws ControlException {
        JsonNode v = args.get(field);
        if (v == null || !v.isTextual() || v.asText().isEmpty()) {
            throw new ControlException("INVALID_ARGUMENT", "missing argument '" + field + "'");
        }
        return v.asText();
    }

    interface Handler {
        Object handle(JsonNode args, ControlCommand.Stream stream) throws Exception;
    }

    static ControlCommand command(String name, Handler handler) {
        return new ControlCommand() {
            @Override public String name() { return name; }
            @Override public Object handle(JsonNode args, Stream stream) throws Exception { return handler.handle(args, stream); }
        };
    }

}
