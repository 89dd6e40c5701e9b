package io.hotvisor.hvctl;

import io.hotvisor.cli.CliErrors;
import io.hotvisor.control.ArgRange;
import io.hotvisor.cli.ExitStatus;
import io.hotvisor.control.ControlNames.Arg;
import io.hotvisor.control.ControlNames;
import io.hotvisor.control.ControlProtocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code hvctl}: drives a running Hotvisor host over its control socket, modelled on Xen's {@code xl}.
 *
 * <p>Exit status: 0 success; 1 the host refused or the request failed (one line says why); 2 busy,
 * retry; 3 no host reachable at the socket; 64 usage error.
 */
@Command(name = "hvctl", mixinStandardHelpOptions = true, version = "hvctl 0.1.0",
        description = "Control a running Hotvisor host.",
        subcommands = {Hvctl.Info.class, Hvctl.Bundles.class, Hvctl.ListDomains.class, Hvctl.Create.class, Hvctl.Destroy.class,
                Hvctl.Pause.class, Hvctl.Unpause.class, Hvctl.Console.class, Hvctl.VcpuList.class, Hvctl.SchedCredit2.class,
                Hvctl.Dmesg.class, Hvctl.Shutdown.class, LivepatchCommand.class, UcodeCommand.class, AuditCommand.class})
public final class Hvctl {
    static final int EXIT_ERROR = ExitStatus.ERROR, EXIT_BUSY = ExitStatus.BUSY, EXIT_NO_HOST = ExitStatus.NO_HOST,
            EXIT_USAGE = ExitStatus.USAGE;

    @Option(names = "--socket", scope = CommandLine.ScopeType.INHERIT,
            description = "control socket of the host (default: $HOTVISOR_SOCKET, else state/control.sock)")
    Path socket;

    @Option(names = "--json", scope = CommandLine.ScopeType.INHERIT, description = "print the result as JSON")
    boolean json;

    @Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT, description = "print stack traces of internal errors")
    boolean debug;

    public static void main(String[] args) {
        System.exit(execute(System.out, System.err, args));
    }

    /** Where results go: the stream {@link #execute} was given, so hvctl can run in-process. */
    PrintStream out = System.out;

    static int execute(PrintStream out, PrintStream err, String... args) {
        Hvctl root = new Hvctl();
        root.out = out;
        CommandLine cl = new CommandLine(root);
        withHelpOptions(cl);
        cl.setOut(new java.io.PrintWriter(out, true));
        cl.setErr(new java.io.PrintWriter(err, true));
        cl.setExecutionExceptionHandler((ex, line, parse) -> CliErrors.report("hvctl", ex,
                line.getCommandSpec().root().userObject() instanceof Hvctl h && h.debug, line.getErr(), EXIT_ERROR));
        cl.setParameterExceptionHandler((ex, a) -> CliErrors.usage("hvctl", ex.getMessage(),
                ex.getCommandLine().getCommandSpec().qualifiedName(), ex.getCommandLine().getErr(), EXIT_USAGE));
        return cl.execute(args);
    }

    /**
     * Gives every subcommand, at every depth, {@code -h/--help} (and {@code -V/--version}) as the root
     * has them: a usage error says "see 'hvctl livepatch apply --help'", so that must answer. Their
     * {@code --version} is the root's.
     */
    private static void withHelpOptions(CommandLine cl) {
        for (CommandLine sub : cl.getSubcommands().values()) {
            CommandLine.Model.CommandSpec spec = sub.getCommandSpec();
            if (!spec.mixinStandardHelpOptions()) spec.mixinStandardHelpOptions(true);
            if (spec.version().length == 0) spec.version(cl.getCommandSpec().version());
            withHelpOptions(sub);
        }
    }

    /**
     * An option's value, checked against its range before anything is sent.
     *
     * @throws HvctlException a usage error (exit 64) naming the option and its range
     */
    static long inRange(ArgRange range, long value) throws HvctlException {
        try {
            return range.check(value);
        } catch (IllegalArgumentException e) {
            throw new HvctlException(e.getMessage(), EXIT_USAGE);
        }
    }

    Path socketPath() {
        if (socket != null) return socket;
        String env = System.getenv("HOTVISOR_SOCKET");
        if (env != null && !env.isEmpty()) return Path.of(env);
        String home = System.getProperty("hotvisor.home");
        return home != null ? Path.of(home, "state", "control.sock") : Path.of("state", "control.sock");
    }

    /** Base of every subcommand: one request, the result printed as text or JSON. */
    abstract static class Request implements Callable<Integer> {
        @CommandLine.ParentCommand
        Hvctl root;

        abstract String command();

        JsonNode args() throws HvctlException {
            return ControlProtocol.JSON.createObjectNode();
        }

        abstract void print(JsonNode result, PrintStream out);

        void partial(JsonNode partial, PrintStream out) {}

        @Override
        public Integer call() throws HvctlException {
            PrintStream out = root.out;
            JsonNode args = args(); // checked before connecting: a bad argument never reaches the host
            try (ControlClient c = new ControlClient(root.socketPath())) {
                JsonNode result = c.call(command(), args, p -> partial(p, out));
                if (root.json) out.println(result.toPrettyString());
                else print(result, out);
                out.flush();
            }
            return 0;
        }
    }

    /** A request naming one domain. */
    abstract static class DomainRequest extends Request {
        @Parameters(paramLabel = "DOMAIN", description = "domain name or id")
        String domain;

        @Override
        JsonNode args() {
            return ControlProtocol.JSON.createObjectNode().put(Arg.DOMAIN, domain);
        }

        @Override
        void print(JsonNode r, PrintStream out) {
            out.printf("%s: %s%n", r.path("domain").asText(), r.path("state").asText());
        }
    }

    @Command(name = "info", description = "Host version, build-id, topology, scheduler, uptime and taint flags.")
    static final class Info extends Request {
        String command() { return ControlNames.Command.INFO; }

        void print(JsonNode r, PrintStream out) {
            out.printf("version        : %s%n", r.path("version").asText());
            out.printf("extra version  : %s%n", r.path("extraVersion").asText());
            out.printf("build-id       : %s%n", r.path("buildId").asText());
            out.printf("topology       : %s (%d pCPUs)%n", r.path("topology").asText(), r.path("pcpus").asInt());
            out.printf("sched-gran     : %s%n", r.path("schedGran").asText());
            out.printf("uptime         : %.1f s%n", r.path("uptimeSeconds").asDouble());
            out.printf("domains        : %d%n", r.path("domains").asInt());
            StringBuilder taint = new StringBuilder();
            r.path("taint").forEach(t -> taint.append(taint.isEmpty() ? "" : " ").append(t.path("flag").asText()));
            out.printf("taint          : %s%n", taint.isEmpty() ? "none" : taint);
            // Each flag says when and why it was first set.
            r.path("taint").forEach(t -> out.printf("  %-13s: since %s: %s%n", t.path("flag").asText(), t.path("since").asText(),
                    t.path("reason").asText()));
            for (JsonNode b : r.path("bootDomains")) {
                out.printf("boot domain    : %s%n", b.path("started").asBoolean()
                        ? b.path("domain").asText() + " started (" + b.path("config").asText() + ")"
                        : b.path("domain").asText("?") + " FAILED (" + b.path("config").asText() + "): " + b.path("reason").asText());
            }
        }
    }

    @Command(name = "bundles", description = "The OSGi bundles of the running host.")
    static final class Bundles extends Request {
        String command() { return ControlNames.Command.INFO; }

        @Override
        public Integer call() throws HvctlException {
            if (root.json) {
                try (ControlClient c = new ControlClient(root.socketPath())) {
                    root.out.println(c.call(ControlNames.Command.INFO, args(), p -> {}).path("bundles").toPrettyString());
                }
                return 0;
            }
            return super.call();
        }

        void print(JsonNode r, PrintStream out) {
            out.printf("%-36s %-10s %s%n", "Symbolic name", "Version", "State");
            for (JsonNode b : r.path("bundles")) {
                out.printf("%-36s %-10s %s%n", b.path("symbolicName").asText(), b.path("version").asText(), b.path("state").asText());
            }
        }
    }

    @Command(name = "list", description = "Domains: name, id, memory, vCPUs, state, time.")
    static final class ListDomains extends Request {
        String command() { return ControlNames.Command.LIST; }

        void print(JsonNode r, PrintStream out) {
            out.printf("%-24s %5s %8s %5s %-10s %9s%n", "Name", "ID", "Mem(MiB)", "VCPUs", "State", "Time(s)");
            for (JsonNode d : r) {
                out.printf("%-24s %5d %8d %5d %-10s %9.1f%n", d.path("name").asText(), d.path("id").asInt(), d.path("memMiB").asLong(),
                        d.path("vcpus").asInt(), d.path("state").asText(), d.path("timeSeconds").asDouble());
            }
        }
    }

    @Command(name = "create", description = "Create and start a guest from a config file (name, kernel, memory, vcpus, weight, cap).")
    static final class Create extends Request {
        @Parameters(paramLabel = "CONFIG")
        Path config;

        @Option(names = {"-p", "--paused"}, description = "leave the new domain paused (unpause starts it)")
        boolean paused;

        String command() { return ControlNames.Command.CREATE; }

        JsonNode args() throws HvctlException { return GuestConfig.read(config).put(Arg.PAUSED, paused); }

        void print(JsonNode r, PrintStream out) {
            out.printf("created %s (id %d)%n", r.path("domain").asText(), r.path("id").asInt());
        }
    }

    @Command(name = "destroy", description = "Destroy a domain.")
    static final class Destroy extends DomainRequest {
        String command() { return ControlNames.Command.DESTROY; }
    }

    @Command(name = "pause", description = "Pause a domain.")
    static final class Pause extends DomainRequest {
        String command() { return ControlNames.Command.PAUSE; }
    }

    @Command(name = "unpause", description = "Unpause a domain.")
    static final class Unpause extends DomainRequest {
        String command() { return ControlNames.Command.UNPAUSE; }
    }

    @Command(name = "console", description = "Print a domain's console; with --follow, keep printing until it ends.")
    static final class Console extends DomainRequest {
        @Option(names = {"-f", "--follow"}, description = "follow the output until the domain ends")
        boolean follow;

        String command() { return ControlNames.Command.CONSOLE; }

        @Override
        JsonNode args() {
            return ((ObjectNode) super.args()).put(Arg.FOLLOW, follow);
        }

        void partial(JsonNode p, PrintStream out) {
            if (!root.json) {
                out.print(p.path("data").asText());
                out.flush();
            }
        }

        void print(JsonNode r, PrintStream out) {
            out.print(r.path("data").asText());
        }
    }

    @Command(name = "vcpu-list", description = "vCPUs of every domain: state, instructions retired, slices.")
    static final class VcpuList extends Request {
        String command() { return ControlNames.Command.VCPU_LIST; }

        void print(JsonNode r, PrintStream out) {
            out.printf("%-24s %5s %5s %-9s %-7s %15s %9s%n", "Name", "ID", "VCPU", "State", "Running", "Instructions", "Slices");
            for (JsonNode v : r) {
                out.printf("%-24s %5d %5d %-9s %-7s %15d %9d%n", v.path("domain").asText(), v.path("id").asInt(), v.path("vcpu").asInt(),
                        v.path("state").asText(), v.path("running").asBoolean() ? "yes" : "no", v.path("instructions").asLong(), v.path("slices").asLong());
            }
        }
    }

    @Command(name = "sched-credit2", description = "Show or set credit2 weight and cap of domains.")
    static final class SchedCredit2 extends Request {
        @Option(names = {"-d", "--domain"}) String domain;
        @Option(names = {"-w", "--weight"}) Long weight;
        @Option(names = {"-c", "--cap"}) Long cap;

        String command() { return ControlNames.Command.SCHED_CREDIT2; }

        JsonNode args() throws HvctlException {
            if (domain == null && (weight != null || cap != null)) throw new HvctlException("--weight and --cap need --domain", EXIT_USAGE);
            ObjectNode a = ControlProtocol.JSON.createObjectNode();
            if (domain != null) a.put(Arg.DOMAIN, domain);
            if (weight != null) a.put(Arg.WEIGHT, inRange(ArgRange.WEIGHT, weight));
            if (cap != null) a.put(Arg.CAP, inRange(ArgRange.CAP, cap));
            return a;
        }

        void print(JsonNode r, PrintStream out) {
            out.printf("%-24s %5s %6s %4s%n", "Name", "ID", "Weight", "Cap");
            for (JsonNode d : r) {
                out.printf("%-24s %5d %6d %4d%n", d.path("domain").asText(), d.path("id").asInt(), d.path("weight").asInt(), d.path("cap").asInt());
            }
        }
    }

    @Command(name = "dmesg", description = "The host's log ring.")
    static final class Dmesg extends Request {
        String command() { return ControlNames.Command.DMESG; }

        void print(JsonNode r, PrintStream out) {
            for (JsonNode line : r) out.println(line.asText());
        }
    }

    @Command(name = "shutdown", description = "Stop the host (its domains are destroyed).")
    static final class Shutdown extends Request {
        String command() { return ControlNames.Command.SHUTDOWN; }

        void print(JsonNode r, PrintStream out) {
            out.println("host shutting down");
        }
    }
}
