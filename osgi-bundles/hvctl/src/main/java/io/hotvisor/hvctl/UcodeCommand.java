package io.hotvisor.hvctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hotvisor.microcode.MicrocodeFiles;
import io.hotvisor.microcode.MicrocodeFormatException;
import io.hotvisor.microcode.MicrocodeListing;
import io.hotvisor.microcode.ParseMode;
import io.hotvisor.control.ArgRange;
import io.hotvisor.control.ControlProtocol;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code hvctl ucode}: CPU microcode, like Xen's {@code xen-ucode}.
 *
 * <ul>
 *   <li>{@code hvctl ucode FILE|DIR [--force] [--timeout MS] [--verbose] [--json]} late-loads: hvctl
 *       reads the file (or every regular file directly in the directory, sorted by name) and sends
 *       the bytes; the host checks them against Linux's late-load rules (of a directory it loads only
 *       the file Linux would read for its CPUs), loads through its rendezvous, and prints one line
 *       per core and the pause guests saw. {@code --force} is Xen's: same or older revisions load;
 *       it is logged, journaled and taints the host {@code forced}. Exit 0 loaded, 1 refused (the
 *       message names the rule) or a core failed, 2 busy or timed out, 3 no host, 64 usage.</li>
 *   <li>{@code hvctl ucode --status} shows every pCPU's identity, revision and features (this is the
 *       microcode view; {@code hvctl info} does not repeat it).</li>
 *   <li>{@code hvctl ucode --list [--strict] FILE|DIR} lists updates locally, Intel ones exactly as
 *       {@code iucode_tool -L}; no host is needed.</li>
 * </ul>
 */
@Command(name = "ucode", mixinStandardHelpOptions = true,
        description = {"Load CPU microcode late (like xen-ucode), show the pCPUs' microcode, or list a file's updates.",
                "  hvctl ucode FILE|DIR [--force] [--timeout MS] [--verbose] [--json]",
                "  hvctl ucode --status [--json]",
                "  hvctl ucode --list [--strict] [--json] FILE|DIR",
                "A directory is read as Linux reads /lib/firmware/intel-ucode (or amd-ucode): only the file named for",
                "the host's CPU (FF-MM-SS, microcode_amd_famXXh.bin) is loaded; *.initramfs files are early-only.",
                "Exit status: 0 done, 1 refused or failed (one line names the rule), 2 busy or timed out, 3 no host,",
                "64 usage error."})
final class UcodeCommand extends Hvctl.Request {
    private static final long DEFAULT_TIMEOUT_MS = 30;

    @Parameters(paramLabel = "FILE|DIR", arity = "0..1", description = "microcode file, or directory of them, to load or list")
    Path file;

    @Option(names = {"-s", "--status"}, description = "show every pCPU's signature, platform id, revision and features")
    boolean status;

    @Option(names = {"-L", "--list"}, description = "list the updates in FILE|DIR (no host needed)")
    boolean list;

    @Option(names = "--strict", description = "with --list: also iucode_tool's stricter checks (sizes, dates, revisions)")
    boolean strict;

    @Option(names = {"-f", "--force"}, description = "Xen's force: load even when the update is the same as or older than the running revision"
            + " (logged, journaled, taints the host 'forced')")
    boolean force;

    @Option(names = "--timeout", paramLabel = "MS", defaultValue = "30",
            description = "how long the pCPUs get to reach the rendezvous, in ms (default: ${DEFAULT-VALUE}, as Xen)")
    long timeoutMs;

    @Option(names = {"-v", "--verbose"}, description = "also print every rule's decision (files a directory load skipped, and why)")
    boolean verbose;

    @Override
    String command() {
        return status ? "ucode.status" : "ucode.load";
    }

    @Override
    public Integer call() throws HvctlException {
        if (status && (list || file != null)) {
            throw new HvctlException("--status takes no FILE|DIR and no --list; see 'hvctl ucode --help'", Hvctl.EXIT_USAGE);
        }
        if (!status && file == null) {
            throw new HvctlException("give FILE|DIR to load, --list FILE|DIR, or --status; see 'hvctl ucode --help'", Hvctl.EXIT_USAGE);
        }
        if ((force || timeoutMs != DEFAULT_TIMEOUT_MS || verbose) && (list || status)) {
            throw new HvctlException("--force, --timeout and --verbose go with loading FILE|DIR, not with --list or --status",
                    Hvctl.EXIT_USAGE);
        }
        if (strict && !list) {
            throw new HvctlException("--strict goes with --list", Hvctl.EXIT_USAGE);
        }
        if (timeoutMs < 1 || timeoutMs > 60_000) {
            throw new HvctlException("--timeout must be 1 to 60000 ms, got " + timeoutMs, Hvctl.EXIT_USAGE);
        }
        if (list) return list(System.out);
        PrintStream out = System.out;
        JsonNode result;
        try (ControlClient c = new ControlClient(root.socketPath())) {
            result = c.call(command(), args(), p -> {});
        }
        if (root.json) out.println(result.toPrettyString());
        else print(result, out);
        out.flush();
        if (!status && !result.path("complete").asBoolean(true)) {
            throw new HvctlException("microcode load incomplete: a core did not take the update (see the lines above); "
                    + "the other cores run the new revision", Hvctl.EXIT_ERROR, "LOAD_INCOMPLETE");
        }
        return 0;
    }

    @Override
    JsonNode args() throws HvctlException {
        ObjectNode a = ControlProtocol.JSON.createObjectNode();
        if (status) return a;
        ArrayNode files = a.putArray("files");
        for (Path f : filesOf(file)) {
            try {
                files.addObject().put("name", f.toString()).put("data", Base64.getEncoder().encodeToString(Files.readAllBytes(f)));
            } catch (IOException e) {
                throw new HvctlException("cannot read " + f + ": " + e.getMessage(), Hvctl.EXIT_ERROR);
            }
        }
        a.put("directory", Files.isDirectory(file));
        a.put("force", force);
        a.put("timeoutMs", Hvctl.inRange(ArgRange.TIMEOUT_MILLIS, timeoutMs));
        return a;
    }

    /** A file, or the regular files directly in a directory sorted by name (as MicrocodeFiles reads them). */
    private static List<Path> filesOf(Path path) throws HvctlException {
        if (!Files.exists(path)) throw new HvctlException(path + ": no such file or directory", Hvctl.EXIT_ERROR);
        if (!Files.isDirectory(path)) return List.of(path);
        try (Stream<Path> s = Files.list(path)) {
            List<Path> files = new ArrayList<>(s.filter(Files::isRegularFile)
                    .sorted((x, y) -> x.getFileName().toString().compareTo(y.getFileName().toString())).toList());
            if (files.isEmpty()) {
                throw new HvctlException(path + ": the directory holds no microcode file; nothing loaded", Hvctl.EXIT_ERROR, "EMPTY_DIRECTORY");
            }
            return files;
        } catch (IOException e) {
            throw new HvctlException("cannot read directory " + path + ": " + e.getMessage(), Hvctl.EXIT_ERROR);
        }
    }

    @Override
    void print(JsonNode r, PrintStream out) {
        if (!status) {
            if (verbose) {
                for (JsonNode d : r.path("decisions")) {
                    out.printf("microcode: rule %s: %s: %s%n", d.path("rule").asText(), d.path("verdict").asText(), d.path("detail").asText());
                }
            }
            for (JsonNode line : r.path("lines")) out.println(line.asText());
            return;
        }
        out.printf("%-4s %-4s %-6s %-10s %-8s %-8s %-10s %s%n", "CPU", "Core", "Vendor", "Signature", "FMS", "Platform", "Revision", "Features");
        for (JsonNode c : r.path("cpus")) {
            List<String> features = new ArrayList<>();
            c.path("features").forEach(f -> features.add(f.asText()));
            out.printf("%-4d %-4d %-6s %-10s %-8s %-8s %-10s %s%n", c.path("cpu").asInt(), c.path("core").asInt(), c.path("vendor").asText(),
                    c.path("signature").asText(), c.path("fms").asText(),
                    c.path("vendor").asText().equals("intel") ? c.path("platformId").asInt() + " (" + c.path("pfMask").asText() + ")" : "-",
                    c.path("revision").asText(), String.join(" ", features));
        }
    }

    private int list(PrintStream out) throws HvctlException {
        try {
            MicrocodeListing listing = new MicrocodeListing(MicrocodeFiles.read(file, strict ? ParseMode.STRICT : ParseMode.LINUX));
            out.print(root.json ? listing.toJson() + "\n" : listing.text());
            out.flush();
            return 0;
        } catch (MicrocodeFormatException e) {
            throw new HvctlException(e.getMessage() + ": nothing listed; the file is damaged or is not CPU microcode",
                    Hvctl.EXIT_ERROR, e.code().name());
        } catch (NoSuchFileException e) {
            throw new HvctlException(e.getFile() + ": no such file or directory", Hvctl.EXIT_ERROR);
        } catch (IOException e) {
            throw new HvctlException("cannot read " + file + ": " + e.getMessage(), Hvctl.EXIT_ERROR);
        }
    }
}
