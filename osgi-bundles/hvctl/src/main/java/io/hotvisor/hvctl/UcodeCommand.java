package io.hotvisor.hvctl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hotvisor.microcode.MicrocodeFiles;
import io.hotvisor.microcode.MicrocodeFormatException;
import io.hotvisor.microcode.MicrocodeListing;
import io.hotvisor.microcode.ParseMode;
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
 *   <li>{@code hvctl ucode FILE|DIR [--force] [--timeout MS]} late-loads: hvctl reads the file (or
 *       every regular file directly in the directory, sorted by name) and sends the bytes; the host
 *       parses, checks, selects and loads through its rendezvous, and prints one line per core and
 *       the pause guests saw. Exit 0 loaded, 1 refused (not newer, no match, damaged file) or a core
 *       failed, 2 busy.</li>
 *   <li>{@code hvctl ucode --status} shows every pCPU's identity, revision and features (this is the
 *       microcode view; {@code hvctl info} does not repeat it).</li>
 *   <li>{@code hvctl ucode --list FILE|DIR} lists updates locally, Intel ones exactly as
 *       {@code iucode_tool -L}; no host is needed.</li>
 * </ul>
 */
@Command(name = "ucode", description = {"Load CPU microcode late (like xen-ucode), show the pCPUs' microcode, or list a file's updates.",
        "  hvctl ucode FILE|DIR [--force] [--timeout MS]", "  hvctl ucode --status", "  hvctl ucode --list FILE|DIR"})
final class UcodeCommand extends Hvctl.Request {
    @Parameters(paramLabel = "FILE|DIR", arity = "0..1", description = "microcode file, or directory of them, to load")
    Path file;

    @Option(names = {"-s", "--status"}, description = "show every pCPU's signature, platform id, revision and features")
    boolean status;

    @Option(names = {"-L", "--list"}, paramLabel = "FILE|DIR", description = "list the updates in a file or directory (no host needed)")
    Path list;

    @Option(names = {"-f", "--force"}, description = "load even when the update is not newer than the running revision")
    boolean force;

    @Option(names = "--timeout", paramLabel = "MS", defaultValue = "30",
            description = "how long the pCPUs get to reach the rendezvous, in ms (default: ${DEFAULT-VALUE}, as Xen)")
    long timeoutMs;

    @Override
    String command() {
        return status ? "ucode.status" : "ucode.load";
    }

    @Override
    public Integer call() throws HvctlException {
        int modes = (file != null ? 1 : 0) + (status ? 1 : 0) + (list != null ? 1 : 0);
        if (modes != 1) {
            throw new HvctlException("give exactly one of FILE|DIR, --status or --list FILE|DIR; see 'hvctl ucode --help'", Hvctl.EXIT_USAGE);
        }
        if ((force || timeoutMs != 30) && file == null) {
            throw new HvctlException("--force and --timeout go with FILE|DIR", Hvctl.EXIT_USAGE);
        }
        if (list != null) return list(System.out);
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
        a.put("force", force);
        a.put("timeoutMs", timeoutMs);
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
            MicrocodeListing listing = new MicrocodeListing(MicrocodeFiles.read(list, ParseMode.LINUX));
            out.print(root.json ? listing.toJson() + "\n" : listing.text());
            out.flush();
            return 0;
        } catch (MicrocodeFormatException e) {
            throw new HvctlException(e.getMessage() + ": nothing listed; the file is damaged or is not CPU microcode",
                    Hvctl.EXIT_ERROR, e.code().name());
        } catch (NoSuchFileException e) {
            throw new HvctlException(e.getFile() + ": no such file or directory", Hvctl.EXIT_ERROR);
        } catch (IOException e) {
            throw new HvctlException("cannot read " + list + ": " + e.getMessage(), Hvctl.EXIT_ERROR);
        }
    }
}
