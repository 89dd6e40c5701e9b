package io.hotvisor.patch.applier;

import io.hotvisor.patch.format.BuildId;
import io.hotvisor.patch.format.ClassImage;
import io.hotvisor.patch.format.Sha256;
import io.hotvisor.patch.format.manifest.Metadata;
import io.hotvisor.patch.format.payload.ClassChange;
import io.hotvisor.patch.format.payload.PayloadDraft;
import io.hotvisor.patch.format.payload.PayloadWriter;
import io.hotvisor.runtime.host.Host;
import io.hotvisor.runtime.host.HostConfig;

import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
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
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Guest pause per apply through the agent (rendezvous of a real idle 2x2 host, activeness check,
 * one redefinition batch, journal) for payloads of 1 and 20 classes, beside a bare
 * {@code Instrumentation.redefineClasses} of the same classes in the same JVM. One operation is an
 * apply or a revert (they alternate); JMH's sample mode prints the operation's p50/p99/max, and
 * the teardown prints the guest pause the agent measured inside the rendezvous, with the JVM's
 * loaded class count. Run: {@code mvn -B -q -Pbench -pl patch-applier test-compile exec:exec}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ApplyPauseBenchmark {
    @Param({"1", "20"})
    public int classes;

    private Host host;
    private LivepatchAgent agent;
    private final List<Class<?>> types = new ArrayList<>();
    private final List<byte[]> v1 = new ArrayList<>();
    private final List<byte[]> v2 = new ArrayList<>();
    private boolean applied;
    private boolean bareForward = true;
    private final List<Long> pauses = new ArrayList<>();

    /** Defines generated classes from memory, as a bundle's loader would from its jar. */
    static final class MemoryLoader extends ClassLoader {
        private final Map<String, byte[]> bytes;

        MemoryLoader(Map<String, byte[]> bytes) {
            super("bench.bundle", ApplyPauseBenchmark.class.getClassLoader());
            this.bytes = bytes;
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            byte[] b = bytes.get(name);
            if (b == null) {
                throw new ClassNotFoundException(name);
            }
            return defineClass(name, b, 0, b.length);
        }
    }

    static byte[] generated(String name, int variant) {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_MAXS);
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_SUPER, name.replace('.', '/'), null, "java/lang/Object", null);
        MethodVisitor mv = cw.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, "answer", "()I", null, null);
        mv.visitCode();
        mv.visitLdcInsn(variant);
        mv.visitInsn(Opcodes.IRETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
        cw.visitEnd();
        return cw.toByteArray();
    }

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        Map<String, byte[]> boot = new HashMap<>();
        List<ClassImage> images = new ArrayList<>();
        List<ClassChange> changes = new ArrayList<>();
        for (int i = 0; i < classes; i++) {
            String name = "bench.C" + i;
            byte[] a = generated(name, 1);
            byte[] b = generated(name, 2);
            boot.put(name, a);
            v1.add(a);
            v2.add(b);
            images.add(new ClassImage("bench.bundle", "1.0.0", name, a));
            changes.add(ClassChange.redefine(new ClassImage("bench.bundle", "1.0.0", name, b), Sha256.of(a)));
        }
        MemoryLoader loader = new MemoryLoader(boot);
        for (int i = 0; i < classes; i++) {
            Class<?> c = Class.forName("bench.C" + i, true, loader);
            c.getMethod("answer").invoke(null);
            types.add(c);
        }
        Map<Class<?>, byte[]> initial = new HashMap<>();
        for (int i = 0; i < classes; i++) {
            initial.put(types.get(i), v1.get(i));
        }
        BuildId build = BuildId.compute(images);
        host = new Host(HostConfig.defaults().withLogConsole(false)).start();
        agent = new LivepatchAgent(build, Payloads.TRUST, Files.createTempDirectory("hv-bench-"),
                new ClassRedefiner.ForInstrumentation(Harness.INSTRUMENTATION),
                ClassLocator.ForClassLoaders.of("bench.bundle", "1.0.0", loader),
                host.rendezvous(), initial::get, Clock.systemUTC(),
                AgentConfig.defaults().withRendezvousTimeout(Duration.ofSeconds(1))
                        .withHealthWatch(Duration.ZERO, Duration.ofMillis(100), List.of()));
        byte[] payload = PayloadWriter.write(new PayloadDraft("bench", build, null, changes, List.of(), Metadata.EMPTY),
                Payloads.KEY);
        agent.upload("bench", payload);
    }

    @Benchmark
    public long agentApplyOrRevert() throws LivepatchException {
        ActionReport r = applied ? agent.revert("bench") : agent.apply("bench");
        applied = !applied;
        pauses.add(r.pauseNanos());
        return r.pauseNanos();
    }

    @Benchmark
    public void bareRedefineClasses() throws Exception {
        ClassDefinition[] batch = new ClassDefinition[classes];
        for (int i = 0; i < classes; i++) {
            batch[i] = new ClassDefinition(types.get(i), bareForward ? v2.get(i) : v1.get(i));
        }
        Harness.INSTRUMENTATION.redefineClasses(batch);
        bareForward = !bareForward;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        if (!pauses.isEmpty()) {
            long[] p = pauses.stream().mapToLong(Long::longValue).toArray();
            Arrays.sort(p);
            System.out.printf("%nagent guest pause, %d class(es), %d actions: p50 %.3f ms, p99 %.3f ms, max %.3f ms; %d classes loaded%n",
                    classes, p.length, p[p.length / 2] / 1e6, p[Math.min(p.length - 1, p.length * 99 / 100)] / 1e6,
                    p[p.length - 1] / 1e6, ManagementFactory.getClassLoadingMXBean().getLoadedClassCount());
        } else {
            System.out.printf("%nbare redefineClasses, %d class(es); %d classes loaded%n", classes,
                    ManagementFactory.getClassLoadingMXBean().getLoadedClassCount());
        }
        agent.close();
        host.close();
    }
}
