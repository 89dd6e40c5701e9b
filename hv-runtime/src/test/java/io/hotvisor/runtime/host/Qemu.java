package io.hotvisor.runtime.host;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The reference platform: {@code qemu-system-riscv64 -machine virt -bios default -kernel GUEST}
 * (QEMU's TCG with OpenSBI), as {@code scripts/install-guest-toolchain.sh} installs it from
 * Debian's packages. Runs a guest to its SBI shutdown and returns what it printed, without
 * OpenSBI's banner and the carriage returns OpenSBI adds.
 */
public final class Qemu {
    public static final String COMMAND = System.getProperty("hv.qemu", "qemu-system-riscv64");

    private Qemu() {}

    /** Whether QEMU can be started here; tests that need it assume this. */
    public static boolean available() {
        try {
            Process p = new ProcessBuilder(COMMAND, "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** One line for a skipped test. */
    public static String missing() {
        return COMMAND + " is not installed: run scripts/install-guest-toolchain.sh (Debian's qemu-system-misc and opensbi)";
    }

    /** A finished run: the guest's console output and the wall time QEMU took, boot included. */
    public record Run(String output, long nanos) {}

    /**
     * Runs {@code elf} to its shutdown.
     *
     * @throws IllegalStateException when QEMU fails, prints no OpenSBI banner or outlives {@code timeoutSeconds}
     */
    public static Run run(Path elf, long timeoutSeconds) throws IOException, InterruptedException {
        Path out = Files.createTempFile("qemu-", ".out");
        try {
            long start = System.nanoTime();
            Process p = new ProcessBuilder(COMMAND, "-machine", "virt", "-nographic", "-bios", "default", "-kernel", elf.toString())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new IllegalStateException(elf + " did not shut down on QEMU within " + timeoutSeconds + " s");
            }
            long nanos = System.nanoTime() - start;
            if (p.exitValue() != 0) throw new IllegalStateException("QEMU exited with status " + p.exitValue() + " for " + elf);
            return new Run(stripBanner(Files.readString(out, StandardCharsets.UTF_8)), nanos);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** Everything after OpenSBI's last "Boot HART" line, carriage returns removed. */
    static String stripBanner(String raw) {
        List<String> lines = raw.replace("\r", "").lines().toList();
        int last = -1;
        for (int i = 0; i < lines.size(); i++) if (lines.get(i).startsWith("Boot HART ")) last = i;
        if (last < 0) throw new IllegalStateException("no OpenSBI banner in QEMU's output: " + raw.substring(0, Math.min(500, raw.length())));
        StringBuilder sb = new StringBuilder();
        for (int i = last + 1; i < lines.size(); i++) sb.append(lines.get(i)).append('\n');
        return sb.toString();
    }
}
