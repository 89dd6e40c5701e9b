package io.hotvisor.runtime.bench;

import io.hotvisor.runtime.memory.Nospec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * What the Spectre v1 clamp costs on a guest-indexed lookup: the same loop of bounds-checked reads
 * from a 16 MiB guest RAM array at guest-chosen offsets, without ({@code checked}, the baseline) and
 * with {@link Nospec#index} after the check ({@code checkedAndClamped}). The offsets are random, so
 * the loads miss the cache as a guest's scattered accesses do; a second pair reads a 64-entry table
 * (an SBI extension table), where the clamp's ALU work is not hidden behind memory latency.
 *
 * <p>Run: {@code mvn -B -q -Pbench -pl hv-runtime test-compile exec:exec
 * -Dbench.main='org.openjdk.jmh.Main -f 1 io.hotvisor.runtime.bench.NospecBenchmark'}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@State(Scope.Thread)
public class NospecBenchmark {
    private static final int LOOKUPS = 4096;

    private final byte[] ram = new byte[16 << 20];
    private final long[] table = new long[64];
    private final long[] ramOffsets = new long[LOOKUPS];
    private final int[] tableIndices = new int[LOOKUPS];

    @Setup
    public void guestChosenIndices() {
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < LOOKUPS; i++) {
            ramOffsets[i] = random.nextLong(ram.length);
            tableIndices[i] = random.nextInt(table.length);
        }
        for (int i = 0; i < ram.length; i += 4096) {
            ram[i] = (byte) i; // touch every page once
        }
    }

    @Benchmark
    @OperationsPerInvocation(LOOKUPS)
    public long ramChecked() {
        long sum = 0;
        for (long offset : ramOffsets) {
            if (offset < 0 || offset >= ram.length) throw new IndexOutOfBoundsException();
            sum += ram[(int) offset];
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(LOOKUPS)
    public long ramCheckedAndClamped() {
        long sum = 0;
        for (long offset : ramOffsets) {
            if (offset < 0 || offset >= ram.length) throw new IndexOutOfBoundsException();
            sum += ram[Nospec.index(offset, ram.length)];
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(LOOKUPS)
    public long tableChecked() {
        long sum = 0;
        for (int index : tableIndices) {
            if (index < 0 || index >= table.length) throw new IndexOutOfBoundsException();
            sum += table[index];
        }
        return sum;
    }

    @Benchmark
    @OperationsPerInvocation(LOOKUPS)
    public long tableCheckedAndClamped() {
        long sum = 0;
        for (int index : tableIndices) {
            if (index < 0 || index >= table.length) throw new IndexOutOfBoundsException();
            sum += table[Nospec.index(index, table.length)];
        }
        return sum;
    }
}
