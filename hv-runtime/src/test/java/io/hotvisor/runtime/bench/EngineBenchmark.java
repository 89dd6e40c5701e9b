package io.hotvisor.runtime.bench;

import io.hotvisor.runtime.arch.riscv.Hart;
import io.hotvisor.runtime.arch.riscv.RandomGuest;
import io.hotvisor.runtime.arch.riscv.TranslationCache;
import io.hotvisor.runtime.elf.ElfImage;
import io.hotvisor.runtime.host.Qemu;
import io.hotvisor.runtime.memory.GuestMemory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Guest instructions per second of the interpreter, the block translator and QEMU's TCG, on the
 * same guests in one run: the SHA-256 sample guest (98.6 million instructions) and a longer
 * compute guest (a {@link RandomGuest} of aligned ALU, multiply/divide and memory code looped
 * {@value #LONG_ITERATIONS} times, about 14 billion instructions: about 5 s on QEMU). SHA-256 runs once to warm up and
 * three times measured per engine (the best counts); the long guest once. One pCPU thread runs the hart directly (no scheduler);
 * instructions are the hart's retired count. QEMU's figure divides the same count by its wall time
 * minus that of the {@code hello} guest (QEMU's and OpenSBI's start and exit), so it is QEMU's
 * compute speed alone; it is left out when QEMU is not installed.
 *
 * <p>Run: {@code mvn -B -q -Pbench -pl hv-runtime test-compile exec:exec} (from the repository root).
 */
public final class EngineBenchmark {
    static final int LONG_ITERATIONS = 70_000_000; // about 14 billion instructions: ~5 s on QEMU
    private static final int RUNS = 3;

    private EngineBenchmark() {}

    public static void main(String[] args) throws Exception {
        Path guests = Path.of(System.getProperty("hv.guests", "hv-runtime/guests/bin"));
        Path longGuest = Files.createTempFile("compute-", ".elf");
        Files.write(longGuest, RandomGuest.elf(42, 200, LONG_ITERATIONS, false));
        try {
            System.out.printf(Locale.ROOT, "%-10s %-12s %14s %10s %12s%n", "guest", "engine", "instructions", "best s", "M instr/s");
            List<String> lines = new ArrayList<>();
            measure("sha256", guests.resolve("sha256.elf"), guests.resolve("hello.elf"), RUNS, lines);
            measure("compute", longGuest, guests.resolve("hello.elf"), 1, lines);
            lines.forEach(System.out::println);
        } finally {
            Files.deleteIfExists(longGuest);
        }
    }

    private static void measure(String name, Path elf, Path hello, int runs, List<String> summary) throws Exception {
        byte[] image = Files.readAllBytes(elf);
        double interpreter = 0, translator = 0;
        long instructions = 0;
        for (boolean translate : new boolean[] {false, true}) {
            // Warm-up: the JIT compiles the engine (and, translating, the guest's blocks). The long
            // guest runs once per engine, the engines already warm from SHA-256.
            if (runs > 1) run(image, translate);
            long best = Long.MAX_VALUE;
            for (int i = 0; i < runs; i++) {
                long[] r = run(image, translate);
                instructions = r[0];
                best = Math.min(best, r[1]);
            }
            double rate = instructions * 1e3 / best;
            if (translate) translator = rate; else interpreter = rate;
            print(name, translate ? "translator" : "interpreter", instructions, best, rate);
        }
        String ratios = String.format(Locale.ROOT, "%s: translator / interpreter = %.1fx", name, translator / interpreter);
        if (Qemu.available()) {
            long boot = Long.MAX_VALUE, total = Long.MAX_VALUE;
            for (int i = 0; i < RUNS; i++) {
                boot = Math.min(boot, Qemu.run(hello, 60).nanos());
                total = Math.min(total, Qemu.run(elf, 600).nanos());
            }
            long compute = total - boot;
            if (compute < boot / 4) {
                // Within the noise of QEMU's own start-up on a busy machine: no figure rather than a wrong one.
                ratios += String.format(Locale.ROOT, ", QEMU: %.2f s wall time, %.2f s of it start-up: too short to measure",
                        total / 1e9, boot / 1e9);
            } else {
                double qemu = instructions * 1e3 / compute;
                print(name, "qemu-tcg", instructions, compute, qemu);
                ratios += String.format(Locale.ROOT, ", QEMU / translator = %.2fx (QEMU wall time %.2f s, %.2f s of it start-up)",
                        qemu / translator, total / 1e9, boot / 1e9);
            }
        } else {
            ratios += " (QEMU: " + Qemu.missing() + ")";
        }
        summary.add(ratios);
    }

    private static void print(String guest, String engine, long instructions, long nanos, double mips) {
        System.out.printf(Locale.ROOT, "%-10s %-12s %,14d %10.3f %12.1f%n", guest, engine, instructions, nanos / 1e9, mips);
    }

    private static long[] run(byte[] image, boolean translate) throws Exception {
        return run(image, translate ? TranslationCache.HOT : 0);
    }

    /**
     * Runs the guest to its SBI shutdown on one hart, translating blocks after {@code translateAfter}
     * interpreted runs (0: interpreting only); returns {retired instructions, nanoseconds}.
     */
    static long[] run(byte[] image, int translateAfter) throws Exception {
        GuestMemory mem = new GuestMemory(16 << 20);
        ElfImage elf = ElfImage.parse(image);
        elf.load(image, mem);
        boolean[] done = new boolean[1];
        Hart hart = new Hart(0, mem, h -> {
            if (h.reg(17) == 0x53525354L) { done[0] = true; return Hart.EXIT_ECALL; } // SRST: the guest is finished
            h.setReg(10, 0); // console output: dropped
            return Hart.EXIT_BUDGET;
        }, () -> 0);
        if (translateAfter > 0) hart.useTranslations(new TranslationCache(mem, translateAfter));
        hart.reset(elf.entry(), 0);
        long start = System.nanoTime();
        while (!done[0]) {
            if (hart.run(100_000) == Hart.EXIT_CRASH) throw new IllegalStateException(hart.crashReason());
        }
        return new long[] {hart.instret(), System.nanoTime() - start};
    }
}
