package io.hotvisor.runtime.control;

import io.hotvisor.control.ControlCommand;
import io.hotvisor.control.ControlException;
import io.hotvisor.control.ControlNames.Arg;
import io.hotvisor.control.ControlNames.Command;
import io.hotvisor.runtime.domain.Domain;
import io.hotvisor.runtime.domain.DomainConfig;
import io.hotvisor.runtime.domain.Vcpu;
import io.hotvisor.runtime.elf.ElfFormatException;
import io.hotvisor.runtime.host.Host;
import io.hotvisor.runtime.host.Version;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
                       double uptimeSeconds, int domains, List<Map<String, String>> bundles, JsonNode buildInfo) {}

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
                    host.domains().size(), b.bundles(), b.buildInfo());
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
            int weight = args.hasNonNull(Arg.WEIGHT) ? args.get(Arg.WEIGHT).asInt() : d.weight();
            int cap = args.hasNonNull(Arg.CAP) ? args.get(Arg.CAP).asInt() : d.cap();
            d.adjust(weight, cap);
            return List.of(new Credit2Row(d.name(), d.id(), d.weight(), d.cap()));
        }));
        server.register(command(Command.DMESG, (args, s) -> log.lines()));
        server.register(command(Command.SHUTDOWN, (args, s) -> new ControlCommand.ThenRun(Map.of("shutdown", true), shutdown)));
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
                args.path(Arg.VCPUS).asInt(1), args.path(Arg.MEMORY).asLong(DomainConfig.DEFAULT_MEMORY),
                args.path(Arg.WEIGHT).asInt(DomainConfig.DEFAULT_WEIGHT), args.path(Arg.CAP).asInt(0));
        Domain d;
        try {
            d = host.create(cfg);
        } catch (ElfFormatException e) {
            throw new ControlException("BAD_IMAGE", "kernel of " + name + " cannot be loaded: " + e.getMessage());
        }
        if (!args.path(Arg.PAUSED).asBoolean(false)) d.boot();
        return Map.of("domain", d.name(), "id", d.id(), "state", d.state().name().toLowerCase());
    }

    private static Object console(Host host, JsonNode args, ControlCommand.Stream stream) throws Exception {
        Domain d = domain(host, args);
        long offset = args.path(Arg.FROM).asLong(0);
        if (!args.path(Arg.FOLLOW).asBoolean(false)) {
            return new ConsoleChunk(d.name(), new String(d.console().since(offset), StandardCharsets.UTF_8), false);
        }
        while (true) {
            byte[] chunk = d.console().since(offset);
            offset += chunk.length;
            boolean ended = d.state().ended();
            if (chunk.length > 0 && !stream.send(new ConsoleChunk(d.name(), new String(chunk, StandardCharsets.UTF_8), true))) {
                return new ConsoleChunk(d.name(), "", false);
            }
            if (ended && d.console().written() == offset) {
                return new ConsoleChunk(d.name(), "", false);
            }
            try {
                d.exit().get(50, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                // no exit yet: poll the console again
            }
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
