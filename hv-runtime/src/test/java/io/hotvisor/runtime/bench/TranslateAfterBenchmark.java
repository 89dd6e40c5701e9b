package io.hotvisor.runtime.bench;

import io.hotvisor.runtime.arch.riscv.RandomGuest;
import io.hotvisor.runtime.arch.riscv.TranslationCache;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * The translation threshold in a warm JVM: the same guest run to its end again and again, each
 * run with a fresh {@link TranslationCache} of one of several thresholds, in alternation, so that
 * every threshold sees the same JIT state and the same machine load. Guests: the SHA-256 sample
 * (98.6 million instructions) and a {@link RandomGuest} compute loop of about 4 billion. Prints
 * each threshold's best run. (A cold {@code hv run} is measured on the distribution instead, as
 * BENCHMARKS.md says.)
 *
 * <p>Run: {@code mvn -B -q -o -Pbench -pl hv-runtime test-compile exec:exec
 * -Dbench.main=io.hotvisor.runtime.bench.TranslateAfterBenchmark} (from the repository root).
 */
public final class TranslateAfterBenchmark {
    private static final int[] THRESHOLDS = {16, 256, TranslationCache.HOT};
    private static final int ROUNDS = 5;

    private TranslateAfterBenchmark() {}

    public static void main(String[] args) throws Exception {
        Path guests = Path.of(System.getProperty("hv.guests", "hv-runtime/guests/bin"));
        measure("sha256", Files.readAllBytes(guests.resolve("sha256.elf")), ROUNDS);
        measure("compute", RandomGuest.elf(42, 200, 20_000_000, false), 3);
    }

    private static void measure(String name, byte[] image, int rounds) throws Exception {
        long[] best = new long[THRESHOLDS.length];
        Arrays.fill(best, Long.MAX_VALUE);
        long instructions = 0;
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < THRESHOLDS.length; i++) {
                long[] r = EngineBenchmark.run(image, THRESHOLDS[i]);
                instructions = r[0];
                best[i] = Math.min(best[i], r[1]);
            }
        }
        for (int i = 0; i < THRESHOLDS.length; i++) {
            System.out.printf(Locale.ROOT, "%-8s translate after %5d runs: best of %d %8.3f s %10.1f M instr/s%n",
                    name, THRESHOLDS[i], rounds, best[i] / 1e9, instructions * 1e3 / best[i]);
        }
    }
}
