package io.hotvisor.patch.builder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Unified diffs of one file for builder tests, made by the system's {@code diff -u} as a user would. */
public final class UnifiedDiff {
    private UnifiedDiff() {
    }

    /**
     * The {@code diff -u} of {@code before} and {@code after} with the paths {@code a/PATH} and
     * {@code b/PATH}; the two sides are written into {@code scratch} (a fresh folder).
     */
    public static String of(String path, String before, String after, Path scratch) throws IOException, InterruptedException {
        Path a = Files.createDirectories(scratch).resolve("a");
        Path b = scratch.resolve("b");
        Files.writeString(a, before);
        Files.writeString(b, after);
        Process p = new ProcessBuilder("diff", "-u", "--label", "a/" + path, "--label", "b/" + path, a.toString(), b.toString())
                .redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        p.waitFor();
        return new String(out, StandardCharsets.UTF_8);
    }
}
