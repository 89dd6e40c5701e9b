package io.hotvisor.patch.applier.trampoline;

import io.hotvisor.patch.applier.trampoline.bench.OnePcpuHost;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;

/**
 * The steady-state cost of the trampoline prologue: guest instructions per second of the SHA-256
 * guest on a 1x1 host whose hypervisor classes (every {@code io.hotvisor.runtime} class, the code
 * the host's patchable bundles hold) are woven, against the same classes unwoven, in one run.
 * Each side gets its own class loader, so the JIT profiles the two separately.
 *
 * <p>Run: {@code mvn -B -q -Pbench -pl patch-applier test-compile exec:exec -Djmh.bench=WovenHostBenchmark
 * -Djmh.args="-f 1"} (the default {@code -f 0} would share one JVM between both sides).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@State(Scope.Thread)
public class WovenHostBenchmark {
    @Param({"unwoven", "woven"})
    public String classes;

    private byte[] image;
    private ToLongFunction<byte[]> host;

    /** Per-iteration instruction counts, which JMH reports as rates. */
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    @State(Scope.Thread)
    public static class Counters {
        public long instructions;

        @Setup(Level.Iteration)
        public void clear() {
            instructions = 0;
        }
    }

    @Setup(Level.Trial)
    @SuppressWarnings("unchecked")
    public void start() throws Exception {
        image = Files.readAllBytes(Path.of(System.getProperty("hv.guests", "../hv-runtime/guests/bin")).resolve("sha256.elf"));
        ClassLoader runtime = new RuntimeLoader(classes.equals("woven"));
        host = (ToLongFunction<byte[]>) runtime.loadClass(OnePcpuHost.class.getName()).getConstructor().newInstance();
    }

    @TearDown(Level.Trial)
    public void stop() throws Exception {
        ((AutoCloseable) host).close();
    }

    @Benchmark
    public long sha256(Counters counters) {
        long n = host.applyAsLong(image);
        counters.instructions += n;
        return n;
    }

    /** Defines hv-runtime's classes and the driver itself (woven or not); everything else from the parent. */
    private static final class RuntimeLoader extends ClassLoader {
        private final boolean weave;

        RuntimeLoader(boolean weave) {
            super("hv-runtime-" + (weave ? "woven" : "unwoven"), WovenHostBenchmark.class.getClassLoader());
            this.weave = weave;
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!name.startsWith("io.hotvisor.runtime.") && !name.equals(OnePcpuHost.class.getName())) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c == null) {
                    byte[] bytes = bytesOf(name);
                    byte[] woven = weave && !name.equals(OnePcpuHost.class.getName()) ? Weaver.weave(this, bytes) : null;
                    byte[] defined = woven != null ? woven : bytes;
                    c = defineClass(name, defined, 0, defined.length);
                }
                return c;
            }
        }

        private byte[] bytesOf(String name) throws ClassNotFoundException {
            try (InputStream in = getParent().getResourceAsStream(name.replace('.', '/') + ".class")) {
                if (in == null) {
                    throw new ClassNotFoundException(name);
                }
                return in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
