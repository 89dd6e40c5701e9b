package io.hotvisor.patch.applier.trampoline;

import net.bytebuddy.agent.ByteBuddyAgent;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.lang.instrument.ClassDefinition;
import java.lang.instrument.Instrumentation;
import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * What the pause of an apply costs with each mechanism, for the same change to 1 or 20 methods of
 * one class, in one JVM: {@code trampoline} applies a prepared {@link Flip} and rolls it back (the
 * call-site stores and one {@code syncAll} each), {@code redefine} redefines the class to its head
 * and back with {@code Instrumentation.redefineClasses}. One operation is an apply and its undo,
 * so a single pause is half of it. The rendezvous itself (parking the pCPUs) is not included: it
 * is the same for both. A daemon thread keeps calling every method of both classes, so that the JIT
 * compiles them and each flip or redefinition has compiled code to deoptimise, as on a busy host.
 *
 * <p>Run: {@code mvn -B -q -Pbench -pl patch-applier test-compile exec:exec -Djmh.bench=FlipPauseBenchmark}
 */
@BenchmarkMode({Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
public class FlipPauseBenchmark {
    @Param({"1", "20"})
    public int methods;

    private Instrumentation instrumentation;
    private Flip flip;
    private Class<?> plain;
    private ClassDefinition toHead;
    private ClassDefinition toBase;
    private Thread caller;

    @Setup(Level.Trial)
    public void prepare() {
        instrumentation = ByteBuddyAgent.install();
        Map<String, byte[]> base = JavaSources.compile(Map.of("bench.Hot", source(20, 0)));
        byte[] head = JavaSources.compile(Map.of("bench.Hot", source(methods, 1000))).get("bench.Hot");
        Class<?> woven = new WovenLoader(base, true).load("bench.Hot");
        Trampolines trampolines = new Trampolines(instrumentation);
        flip = trampolines.push(trampolines.prepare("bench", Map.of(woven, head)));
        plain = new WovenLoader(base, false).load("bench.Hot");
        toHead = new ClassDefinition(plain, head);
        toBase = new ClassDefinition(plain, base.get("bench.Hot"));
        caller = new Thread(() -> callForever(woven, plain), "bench-caller");
        caller.setDaemon(true);
        caller.start();
        System.out.println("loaded classes: " + ManagementFactory.getClassLoadingMXBean().getLoadedClassCount());
    }

    private static void callForever(Class<?>... types) {
        try {
            java.lang.invoke.MethodHandle[] all = new java.lang.invoke.MethodHandle[types.length * 20];
            Object[] receivers = new Object[all.length];
            for (int t = 0; t < types.length; t++) {
                Object instance = types[t].getConstructor().newInstance();
                for (int i = 0; i < 20; i++) {
                    all[t * 20 + i] = java.lang.invoke.MethodHandles.publicLookup().findVirtual(types[t], "m" + i,
                            java.lang.invoke.MethodType.methodType(int.class));
                    receivers[t * 20 + i] = instance;
                }
            }
            long sink = 0;
            while (!Thread.currentThread().isInterrupted()) {
                for (int i = 0; i < all.length; i++) {
                    sink += (int) all[i].invoke(receivers[i]);
                }
            }
            System.out.println(sink);
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    @TearDown(Level.Trial)
    public void report() {
        caller.interrupt();
        System.out.println("loaded classes: " + ManagementFactory.getClassLoadingMXBean().getLoadedClassCount());
    }

    @Benchmark
    public void trampoline() {
        flip.apply();
        flip.rollback();
    }

    @Benchmark
    public void redefine() throws Exception {
        instrumentation.redefineClasses(toHead);
        instrumentation.redefineClasses(toBase);
    }

    /** A class of 20 methods {@code mI() = I}, the first {@code changed} of them returning {@code I + delta}. */
    private static String source(int changed, int delta) {
        return "package bench; public class Hot {\n" + IntStream.range(0, 20)
                .mapToObj(i -> "    public int m" + i + "() { return " + (i < changed ? i + delta : i) + "; }")
                .collect(Collectors.joining("\n")) + "\n}";
    }
}
