package io.hotvisor.hvctl;

import io.hotvisor.control.ArgRange;
import io.hotvisor.control.ControlNames.Arg;
import io.hotvisor.control.ControlNames;
import io.hotvisor.control.ControlProtocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Base64;
import java.util.concurrent.Callable;

/**
 * {@code hvctl livepatch}, mirroring {@code xen-livepatch}: list, upload, apply, revert, replace,
 * unload, load. Messages follow Xen's ("Applying NAME... completed"); exit 0 on success, 1 on an
 * error, 2 when busy (retry).
 */
@Command(name = "livepatch", description = "Live-patch the running host.",
        subcommands = {LivepatchCommand.ListPayloads.class, LivepatchCommand.Upload.class, LivepatchCommand.Apply.class,
                LivepatchCommand.Revert.class, LivepatchCommand.Replace.class, LivepatchCommand.Unload.class,
                LivepatchCommand.Load.class, LivepatchCommand.Recover.class})
final class LivepatchCommand implements Runnable {
    @CommandLine.ParentCommand
    Hvctl root;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "missing livepatch command: list, upload, apply, revert, replace, unload, load or recover");
    }

    /** One livepatch action, printed the way xen-livepatch prints it. */
    abstract static class Action implements Callable<Integer> {
        @CommandLine.ParentCommand
        LivepatchCommand parent;

        @Option(names = "--timeout", paramLabel = "MS", description = "rendezvous timeout in milliseconds (default: the host's, 30)")
        Long timeout;

        /** Set by {@code --nodeps}, which only apply and load take (as with xen-livepatch). */
        boolean nodeps;

        abstract String verb();

        abstract String command();

        abstract String name() throws HvctlException;

        ObjectNode args() throws HvctlException {
            ObjectNode a = ControlProtocol.JSON.createObjectNode().put(Arg.NAME, name()).put(Arg.NODEPS, nodeps);
            if (timeout != null) a.put(Arg.TIMEOUT_MILLIS, Hvctl.inRange(ArgRange.TIMEOUT_MILLIS, timeout));
            return a;
        }

        @Override
        public Integer call() throws HvctlException {
            Hvctl root = parent.root;
            PrintStream out = root.out;
            String name = name();
            ObjectNode args = args(); // checked before anything is printed or sent
            if (!root.json) {
                out.print(verb() + " " + name + "... ");
                out.flush();
            }
            JsonNode result;
            try (ControlClient c = new ControlClient(root.socketPath())) {
                result = c.call(command(), args, p -> {});
            } catch (HvctlException e) {
                if (!root.json) out.println("failed");
                out.flush();
                throw e;
            }
            if (root.json) {
                out.println(result.toPrettyString());
            } else if (result.path("noAction").asBoolean(false)) {
                out.println("No action needed");
            } else {
                out.println("completed");
                if (result.has("summary")) out.println(result.path("summary").asText());
            }
            return 0;
        }
    }

    /**
     * Adds the payload file's bytes to a request: the host never reads operator paths. A file over
     * the largest payload the control protocol carries is refused here, before anything is sent.
     */
    static ObjectNode withPayload(ObjectNode args, Path file) throws HvctlException {
        try {
            long size = Files.size(file);
            if (size > ControlProtocol.MAX_PAYLOAD) {
                io.hotvisor.control.ControlException e = ControlProtocol.tooLarge(size, ControlProtocol.MAX_PAYLOAD);
                throw new HvctlException(file + ": " + e.getMessage(), e.exitStatus(), e.code());
            }
        } catch (IOException e) {
            // read() below names the problem
        }
        return args.put(Arg.PAYLOAD, Base64.getEncoder().encodeToString(read(file)));
    }

    /** An action on an uploaded payload, named on the command line. */
    abstract static class NamedAction extends Action {
        @Parameters(paramLabel = "NAME", description = "the payload's name")
        String payloadName;

        String name() { return payloadName; }
    }

    static byte[] read(Path file) throws HvctlException {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new HvctlException(file + ": no such file", 1);
        } catch (IOException e) {
            throw new HvctlException(file + ": cannot read: " + e.getMessage(), 1);
        }
    }

    /** The payload name {@code load} uses: the file's base name without {@code .hvp}, as xen-livepatch does. */
    static String baseName(Path file) {
        String n = file.getFileName().toString();
        return n.endsWith(".hvp") ? n.substring(0, n.length() - 4) : n;
    }

    @Command(name = "list", description = "Payloads: name, state, build-id, depends-on, applied-at, last error, metadata.")
    static final class ListPayloads implements Callable<Integer> {
        @CommandLine.ParentCommand
        LivepatchCommand parent;

        @Override
        public Integer call() throws HvctlException {
            JsonNode r;
            try (ControlClient c = new ControlClient(parent.root.socketPath())) {
                r = c.call(ControlNames.Command.LIVEPATCH_LIST, ControlProtocol.JSON.createObjectNode(), p -> {});
            }
            PrintStream out = parent.root.out;
            if (parent.root.json) {
                out.println(r.toPrettyString());
                return 0;
            }
            if (r.path("degraded").isTextual()) {
                out.println("livepatch: DEGRADED: " + r.path("degraded").asText());
                out.println("every action is refused; see 'hvctl livepatch recover'");
            }
            if (r.path("payloads").isEmpty()) {
                out.println("Nothing to list");
                return 0;
            }
            out.printf(" %-24s| %-30s| %-18s| %s%n", "ID", "status", "build-id", "metadata");
            out.println("-".repeat(25) + "+" + "-".repeat(31) + "+" + "-".repeat(19) + "+" + "-".repeat(30));
            for (JsonNode p : r.path("payloads")) {
                String status = p.path("state").asText() + (p.path("lastError").isTextual() ? " (" + p.path("lastError").asText() + ")" : "");
                StringBuilder meta = new StringBuilder();
                p.path("metadata").fields().forEachRemaining(e -> meta.append(e.getKey()).append('=').append(e.getValue().asText()).append(';'));
                if (p.path("appliedAt").isTextual()) meta.append("applied-at=").append(p.path("appliedAt").asText()).append(';');
                if (p.path("mechanism").isTextual()) meta.append("mechanism=").append(p.path("mechanism").asText()).append(';');
                if (p.path("dependsOn").isTextual()) meta.append("depends-on=").append(p.path("dependsOn").asText(), 0, 16).append(';');
                if (p.path("strandedClasses").size() > 0) meta.append("stranded-classes=").append(p.path("strandedClasses").size()).append(';');
                String id = p.path("buildId").asText();
                out.printf(" %-24s| %-30s| %-18s| %s%n", p.path("name").asText(), status, id.length() > 16 ? id.substring(0, 16) : id, meta);
            }
            return 0;
        }
    }

    @Command(name = "recover", description = "Leave the DEGRADED state: says what it will do; does it with --confirm.")
    static final class Recover implements Callable<Integer> {
        @CommandLine.ParentCommand
        LivepatchCommand parent;

        @Option(names = "--confirm", description = "carry the recovery out rather than only show it")
        boolean confirm;

        @Override
        public Integer call() throws HvctlException {
            JsonNode r;
            try (ControlClient c = new ControlClient(parent.root.socketPath())) {
                r = c.call(ControlNames.Command.LIVEPATCH_RECOVER,
                        ControlProtocol.JSON.createObjectNode().put(Arg.CONFIRM, confirm), p -> {});
            }
            PrintStream out = parent.root.out;
            if (parent.root.json) {
                out.println(r.toPrettyString());
            } else {
                r.path("lines").forEach(l -> out.println(l.asText()));
            }
            return 0;
        }
    }

    @Command(name = "upload", description = "Upload a payload (verified, not applied: CHECKED).")
    static final class Upload extends Action {
        @Parameters(index = "0", paramLabel = "NAME") String payloadName;
        @Parameters(index = "1", paramLabel = "FILE") Path file;

        String verb() { return "Uploading " + file + " as"; }
        String command() { return ControlNames.Command.LIVEPATCH_UPLOAD; }
        String name() { return payloadName; }

        @Override
        ObjectNode args() throws HvctlException {
            return withPayload(super.args(), file);
        }
    }

    @Command(name = "apply", description = "Apply an uploaded payload.")
    static final class Apply extends NamedAction {
        @Option(names = "--nodeps", description = "skip the stacking check (never the host build-id check)")
        void nodeps(boolean skip) { nodeps = skip; }

        String verb() { return "Applying"; }
        String command() { return ControlNames.Command.LIVEPATCH_APPLY; }
    }

    @Command(name = "revert", description = "Revert the most recently applied payload.")
    static final class Revert extends NamedAction {
        String verb() { return "Reverting"; }
        String command() { return ControlNames.Command.LIVEPATCH_REVERT; }
    }

    @Command(name = "replace", description = "Apply a cumulative payload, reverting every applied one atomically.")
    static final class Replace extends NamedAction {
        String verb() { return "Replacing all live patches with"; }
        String command() { return ControlNames.Command.LIVEPATCH_REPLACE; }
    }

    @Command(name = "unload", description = "Remove an uploaded, not applied payload.")
    static final class Unload extends NamedAction {
        String verb() { return "Unloading"; }
        String command() { return ControlNames.Command.LIVEPATCH_UNLOAD; }
    }

    @Command(name = "load", description = "Upload and apply FILE (named after its base name); unloaded again if the apply fails.")
    static final class Load extends Action {
        @Parameters(paramLabel = "FILE") Path file;

        @Option(names = "--nodeps", description = "skip the stacking check (never the host build-id check)")
        void nodeps(boolean skip) { nodeps = skip; }

        String verb() { return "Loading"; }
        String command() { return ControlNames.Command.LIVEPATCH_LOAD; }
        String name() { return baseName(file); }

        @Override
        ObjectNode args() throws HvctlException {
            return withPayload(super.args(), file);
        }
    }
}
