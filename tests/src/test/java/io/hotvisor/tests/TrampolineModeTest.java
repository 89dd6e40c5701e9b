package io.hotvisor.tests;

import com.fasterxml.jackson.databind.JsonNode;
import io.hotvisor.patch.format.ClassImage;
import io.hotvisor.patch.format.Sha256;
import io.hotvisor.patch.format.payload.ClassChange;
import io.hotvisor.patch.format.payload.PayloadReader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static io.hotvisor.tests.LivepatchFaultsTest.VERSION;
import static io.hotvisor.tests.LivepatchFaultsTest.extraVersion;
import static io.hotvisor.tests.LivepatchFaultsTest.host;
import static io.hotvisor.tests.LivepatchFaultsTest.returning;
import static io.hotvisor.tests.LivepatchFaultsTest.state;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Trampoline mode on real host processes, through hvctl only (issue 18). A host with
 * {@code livepatch-mechanism = redefine} refuses a fix that adds a method, which {@code RedefineClasses}
 * cannot take. A host with {@code livepatch-mechanism = trampoline} (the default) carries a literal fix, a fix adding a private helper and
 * a new lambda, a stacked pair, a replace and their reverts by flipping call sites; refuses a new
 * overriding method with the trampoline's reason; applies a mixed payload (one class flipped, one
 * redefined) in one pause; and its health watch reverts a flipped body that throws on a pCPU.
 * Payloads are written by the test from the distribution's own class files.
 */
class TrampolineModeTest {
    /** Version with a new private helper holding a new lambda, which extraVersion() now calls. */
    static final String WITH_HELPER = """
            package io.hotvisor.runtime.host;

            import java.util.function.Supplier;

            public final class Version {
                private Version() {}

                public static String version() {
                    return "0.1.0";
                }

                public static String extraVersion() {
                    return suffix("tramp");
                }

                private static String suffix(String name) {
                    Supplier<String> text = () -> "-" + name;
                    return text.get();
                }
            }
            """;

    /** Version gaining a toString(): a new virtual method overriding Object's. */
    private static final String WITH_OVERRIDE = """
            package io.hotvisor.runtime.host;

            public final class Version {
                private Version() {}

                public static String version() {
                    return "0.1.0";
                }

                public static String extraVersion() {
                    return "-override";
                }

                @Override
                public String toString() {
                    return "Version " + version();
                }
            }
            """;

    private static final String RUN_QUEUE = "io.hotvisor.runtime.sched.credit2.Credit2$RunQueue";

    static Path dir;
    static byte[] helper;
    static byte[] literal;
    static byte[] runQueue;
    static String credit2Bundle;
    static String credit2Version;

    @BeforeAll
    static void classesOfTheDistribution(@TempDir Path shared) throws Exception {
        dir = shared;
        LivepatchFaultsTest.prepare(shared);
        helper = CraftedPayloads.compile(Map.of("Version.java", WITH_HELPER), shared.resolve("helper")).get(VERSION);
        literal = LivepatchFaultsTest.versionWith(returning("-lit"));
        var bundle = CraftedPayloads.bundleOfPackage(CraftedPayloads.target(), "io.hotvisor.runtime.sched.credit2");
        credit2Bundle = bundle.symbolicName();
        credit2Version = bundle.version();
        runQueue = CraftedPayloads.classFile("bundle-credit2", RUN_QUEUE);
    }

    @Test
    void theRedefineMechanismCannotAddAMethodAndChangesNothing(@TempDir Path hostDir) throws Exception {
        Path payload = payload("helper", null, version(helper, LivepatchFaultsTest.version));
        try (HostProcess host = host(hostDir, "livepatch-mechanism = redefine")) {
            HostProcess.Result load = host.hvctl("livepatch", "load", payload.toString());
            assertThat(load.status()).as(load.out() + load.err()).isEqualTo(1);
            assertThat(extraVersion(host)).isEqualTo("-hv");
        }
    }

    @Test
    void aTrampolineHostFlipsFixesStacksReplacesRevertsAndRefusesWhatItCannotCarry(@TempDir Path hostDir) throws Exception {
        Path lit = payload("lit", null, version(literal, LivepatchFaultsTest.version));
        Path stacked = payload("helper-on-lit", buildId(lit), version(helper, literal));
        Path cumulative = payload("cumulative", null, version(helper, LivepatchFaultsTest.version));
        Path override = payload("override", null, version(
                CraftedPayloads.compile(Map.of("Version.java", WITH_OVERRIDE), dir.resolve("override")).get(VERSION),
                LivepatchFaultsTest.version));
        // Version flipped; RunQueue's constructor changed, which only redefinition can carry.
        Path mixed = payload("mixed", null, version(literal, LivepatchFaultsTest.version),
                runQueue(prefixed("<init>", mv -> mv.visitInsn(Opcodes.NOP))));
        Path throwing = payload("throws-on-pcpu-3", null, runQueue(prefixed("idle", TrampolineModeTest::throwOnPcpu3)));

        try (HostProcess host = host(hostDir, "livepatch-mechanism = trampoline")) {
            // A literal fix, then a fix stacked on it that adds a private helper and a new lambda.
            assertThat(json(host, "livepatch", "load", lit.toString()).path("mechanism").asText()).isEqualTo("trampoline");
            assertThat(extraVersion(host)).isEqualTo("-lit");
            assertThat(host.hvctl("livepatch", "upload", "helper-on-lit", stacked.toString()).status()).isZero();
            assertThat(json(host, "livepatch", "apply", "helper-on-lit").path("mechanism").asText()).isEqualTo("trampoline");
            assertThat(extraVersion(host)).isEqualTo("-tramp");
            assertThat(mechanisms(host)).containsExactly("lit=trampoline", "helper-on-lit=trampoline");

            // Down the stack, then a cumulative replace, then back to the build's own code.
            assertThat(json(host, "livepatch", "revert", "helper-on-lit").path("mechanism").asText()).isEqualTo("trampoline");
            assertThat(extraVersion(host)).isEqualTo("-lit");
            assertThat(host.hvctl("livepatch", "upload", "cumulative", cumulative.toString()).status()).isZero();
            assertThat(json(host, "livepatch", "replace", "cumulative").path("mechanism").asText()).isEqualTo("trampoline");
            assertThat(extraVersion(host)).isEqualTo("-tramp");
            assertThat(state(host, "lit")).startsWith("CHECKED");
            assertThat(mechanisms(host)).containsExactly("lit=", "helper-on-lit=", "cumulative=trampoline");
            assertThat(host.hvctl("livepatch", "revert", "cumulative").status()).isZero();
            assertThat(extraVersion(host)).isEqualTo("-hv");

            // A new overriding method: neither mechanism can add it; the refusal says why, nothing changes.
            HostProcess.Result refused = host.hvctl("livepatch", "load", override.toString());
            assertThat(refused.status()).as(refused.out() + refused.err()).isEqualTo(1);
            assertThat(refused.err()).contains("a new method overriding").contains("toString");
            assertThat(extraVersion(host)).isEqualTo("-hv");

            // One payload, one pause: Version by trampoline, RunQueue by redefinition.
            JsonNode both = json(host, "livepatch", "load", mixed.toString());
            assertThat(both.path("mechanism").asText()).isEqualTo("trampoline+redefine");
            assertThat(both.path("classes").asInt()).isEqualTo(2);
            assertThat(extraVersion(host)).isEqualTo("-lit");
            assertThat(json(host, "livepatch", "revert", "mixed").path("mechanism").asText()).isEqualTo("trampoline+redefine");
            assertThat(extraVersion(host)).isEqualTo("-hv");

            // A flipped body that throws on one pCPU: the health watch flips it back by itself.
            assertThat(json(host, "livepatch", "load", throwing.toString()).path("mechanism").asText()).isEqualTo("trampoline");
            await().atMost(Duration.ofSeconds(60)).until(() -> state(host, "throws-on-pcpu-3").startsWith("CHECKED"));
            assertThat(state(host, "throws-on-pcpu-3")).contains("HEALTH: reverted automatically").contains("throws-on-pcpu-3");
            List<String> taints = new ArrayList<>();
            host.hvctl("info", "--json").json().path("taint").forEach(t -> taints.add(t.path("flag").asText()));
            assertThat(taints).contains("livepatch", "health-revert");
        }
    }

    private static JsonNode json(HostProcess host, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--json");
        HostProcess.Result r = host.hvctl(all.toArray(String[]::new));
        assertThat(r.status()).as(r.out() + r.err()).isZero();
        return r.json();
    }

    /** name=mechanism of each payload, in list order (empty after '=' when not applied). */
    private static List<String> mechanisms(HostProcess host) throws Exception {
        List<String> out = new ArrayList<>();
        for (JsonNode p : host.hvctl("livepatch", "list", "--json").json().path("payloads")) {
            out.add(p.path("name").asText() + "=" + (p.path("mechanism").isTextual() ? p.path("mechanism").asText() : ""));
        }
        return out;
    }

    private static ClassChange version(byte[] head, byte[] expected) {
        return ClassChange.redefine(new ClassImage(LivepatchFaultsTest.versionBundle, LivepatchFaultsTest.versionBundleVersion,
                VERSION, head), Sha256.of(expected));
    }

    private static ClassChange runQueue(byte[] head) {
        return ClassChange.redefine(new ClassImage(credit2Bundle, credit2Version, RUN_QUEUE, head), Sha256.of(runQueue));
    }

    private static Path payload(String name, String dependsOn, ClassChange... changes) throws Exception {
        return CraftedPayloads.write(name, dependsOn, List.of(changes), Map.of(), LivepatchFaultsTest.key, dir.resolve(name + ".hvp"));
    }

    private static String buildId(Path payload) throws Exception {
        return new PayloadReader().inspect(Files.readAllBytes(payload)).manifest().payloadBuildId().hex();
    }

    /** RunQueue with {@code code} run first in {@code method}; the code falls through to the original body. */
    private static byte[] prefixed(String method, Consumer<MethodVisitor> code) {
        ClassWriter writer = new ClassWriter(ClassWriter.COMPUTE_MAXS);
        boolean[] found = {false};
        new ClassReader(runQueue).accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String desc, String sig, String[] ex) {
                MethodVisitor mv = super.visitMethod(access, name, desc, sig, ex);
                if (!name.equals(method)) return mv;
                found[0] = true;
                return new MethodVisitor(Opcodes.ASM9, mv) {
                    @Override
                    public void visitCode() {
                        super.visitCode();
                        code.accept(mv);
                    }
                };
            }
        }, 0);
        assertThat(found[0]).as("RunQueue." + method).isTrue();
        return writer.toByteArray();
    }

    /** if (Thread.currentThread().getName().equals("pcpu-3")) throw new IllegalStateException(...); */
    private static void throwOnPcpu3(MethodVisitor mv) {
        Label healthy = new Label();
        mv.visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/Thread", "currentThread", "()Ljava/lang/Thread;", false);
        mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/lang/Thread", "getName", "()Ljava/lang/String;", false);
        mv.visitLdcInsn("pcpu-3");
        mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, "java/lang/String", "equals", "(Ljava/lang/Object;)Z", false);
        mv.visitJumpInsn(Opcodes.IFEQ, healthy);
        mv.visitTypeInsn(Opcodes.NEW, "java/lang/IllegalStateException");
        mv.visitInsn(Opcodes.DUP);
        mv.visitLdcInsn("throws-on-pcpu-3: idle accounting broke");
        mv.visitMethodInsn(Opcodes.INVOKESPECIAL, "java/lang/IllegalStateException", "<init>", "(Ljava/lang/String;)V", false);
        mv.visitInsn(Opcodes.ATHROW);
        mv.visitLabel(healthy);
        mv.visitFrame(Opcodes.F_SAME, 0, null, 0, null);
    }
}
