package io.hotvisor.microcode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Debian's real microcode packages for the tests that need them: runs {@code
 * scripts/fetch-firmware.sh} once per test JVM (it downloads intel-microcode, amd64-microcode and
 * iucode-tool into a per-user cache, or reuses them), and makes tests that need the files skip with
 * the reason when they cannot be had (no network, no apt-get).
 */
public final class DebianFirmware {

    private static final long TIMEOUT_MINUTES = 4;
    private static DebianFirmware instance;
    private static String failure;

    private final Map<String, Path> packages;

    private DebianFirmware(Map<String, Path> packages) {
        this.packages = packages;
    }

    /** The unpacked packages, or a skipped test (with the reason printed) when they cannot be had. */
    public static synchronized DebianFirmware require() {
        if (instance == null && failure == null) {
            fetch();
        }
        if (instance == null) {
            System.err.println("Skipping real-firmware test: " + failure);
            Assumptions.assumeTrue(false, failure);
        }
        return instance;
    }

    private static void fetch() {
        Path script = Path.of(System.getProperty("user.dir"), "scripts", "fetch-firmware.sh");
        try {
            Path out = Files.createTempFile("fetch-firmware", ".out");
            Path err = Files.createTempFile("fetch-firmware", ".err");
            try {
                Process p = new ProcessBuilder("bash", script.toString())
                        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
                if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                    p.destroyForcibly();
                    failure = script + " did not finish within " + TIMEOUT_MINUTES + " minutes";
                    return;
                }
                if (p.exitValue() != 0) {
                    failure = script + " failed (exit " + p.exitValue() + "): " + tail(err);
                    return;
                }
                Map<String, Path> dirs = new HashMap<>();
                for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
                    int eq = line.indexOf('=');
                    if (eq > 0) {
                        dirs.put(line.substring(0, eq), Path.of(line.substring(eq + 1)));
                    }
                }
                instance = new DebianFirmware(Map.copyOf(dirs));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            failure = "cannot run " + script + ": " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = "interrupted while running " + script;
        }
    }

    private static String tail(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        return String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
    }

    private Path dir(String pkg, String sub) {
        Path root = packages.get(pkg);
        if (root == null) {
            throw new IllegalStateException("fetch-firmware.sh did not report package " + pkg);
        }
        return root.resolve(sub);
    }

    /** intel-microcode's {@code lib/firmware/intel-ucode}. */
    public Path intelUcode() {
        return dir("intel-microcode", "lib/firmware/intel-ucode");
    }

    /** amd64-microcode's {@code lib/firmware/amd-ucode}. */
    public Path amdUcode() {
        return dir("amd64-microcode", "lib/firmware/amd-ucode");
    }

    /** iucode-tool's {@code usr/sbin/iucode_tool} binary. */
    public Path iucodeTool() {
        return dir("iucode-tool", "usr/sbin/iucode_tool");
    }
}
