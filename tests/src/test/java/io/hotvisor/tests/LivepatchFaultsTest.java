package io.hotvisor.tests;

import com.fasterxml.jackson.databind.JsonNode;
import io.hotvisor.patch.format.ClassImage;
import io.hotvisor.patch.format.Sha256;
import io.hotvisor.patch.format.payload.ClassChange;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The livepatch agent's faults on a real host process, through hvctl only (issue 7): a payload
 * whose class fails verification, a rendezvous a stuck pCPU never joins, and the host killed with
 * SIGKILL in the middle of an apply. The payloads are written by the test (patch-format's writer,
 * signed with the test's key) from the running build's own {@code Version} class, so they do not
 * depend on hvpatch or on the checkout matching the distribution.
 */
class LivepatchFaultsTest {
    static final String VERSION = "io.hotvisor.runtime.host.Version";

    @TempDir
    static Path shared;
    static Path key;
    static byte[] version;
    static String versionBundle;
    static String versionBundleVersion;

    @BeforeAll
    static void keyAndRunningVersionClass() throws Exception {
        prepare(shared);
    }

    /** Makes the test key in {@code dir} and reads the running build's Version class (for other suites too). */
    static void prepare(Path dir) throws Exception {
        shared = dir;
        HostProcess.Result keygen = HostProcess.hvpatch("keygen", "--out", shared.resolve("keys").toString(), "--name", "ops");
        assertThat(keygen.status()).as(keygen.err()).isZero();
        key = shared.resolve("keys/ops.key");
        var bundle = CraftedPayloads.bundleOfPackage(CraftedPayloads.target(), "io.hotvisor.runtime.host");
        versionBundle = bundle.symbolicName();
        versionBundleVersion = bundle.version();
        version = CraftedPayloads.classFile("bundle-control", VERSION);
        assertThat(bundle.hashOf(VERSION)).contains(Sha256.of(version));
    }

    /** A host with the test key trusted and a short health window. */
    static HostProcess host(Path dir, String... config) throws Exception {
        Files.createDirectories(dir.resolve("trust"));
        if (!Files.exists(dir.resolve("trust/ops.pub"))) Files.copy(shared.resolve("keys/ops.pub"), dir.resolve("trust/ops.pub"));
        String[] all = new String[config.length + 1];
        all[0] = "livepatch-health-window = 2";
        System.arraycopy(config, 0, all, 1, config.length);
        return HostProcess.start(dir, all);
    }

    /** Version with extraVersion() rewritten by {@code body}; the expectation is the running bytes. */
    static Path versionPayload(String name, Path out, MethodBody body) throws Exception {
        ClassChange change = ClassChange.redefine(new ClassImage(versionBundle, versionBundleVersion, VERSION, versionWith(body)), Sha256.of(version));
        return CraftedPayloads.write(name, List.of(change), Map.of(), key, out);
    }

    /** The running Version class with extraVersion() rewritten by {@code body}. */
    static byte[] versionWith(MethodBody body) {
        ClassReader reader = new ClassReader(version);
        ClassWriter writer = new ClassWriter(0);
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public MethodVisitor visitMethod(int access, String mname, String desc, String sig, String[] ex) {
                MethodVisitor mv = super.visitMethod(access, mname, desc, sig, ex);
                if (!mname.equals("extraVersion")) return mv;
                body.write(mv);
                return null; // the original body is dropped
            }
        }, 0);
        return writer.toByteArray();
    }

    interface MethodBody {
        void write(MethodVisitor mv);
    }

    /** extraVersion() { return TEXT; } */
    static MethodBody returning(String text) {
        return mv -> {
            mv.visitCode();
            mv.visitLdcInsn(text);
            mv.visitInsn(Opcodes.ARETURN);
            mv.visitMaxs(1, 0);
            mv.visitEnd();
        };
    }

    static String state(HostProcess host, String name) throws Exception {
        for (JsonNode p : host.hvctl("livepatch", "list", "--json").json().path("payloads")) {
            if (p.path("name").asText().equals(name)) return p.path("state").asText() + " " + p.path("lastError").asText();
        }
        return "absent";
    }

    static String extraVersion(HostProcess host) throws Exception {
        return host.hvctl("info", "--json").json().path("extraVersion").asText();
    }

    @Test
    void payloadWhoseClassFailsVerificationIsRolledBackInsideTheWindow(@TempDir Path dir) throws Exception {
        // extraVersion() returns an int where a String is declared: the JVM's verifier refuses it.
        Path bad = versionPayload("verify-error", dir.resolve("verify-error.hvp"), mv -> {
            mv.visitCode();
            mv.visitInsn(Opcodes.ICONST_0);
            mv.visitInsn(Opcodes.ARETURN);
            mv.visitMaxs(1, 0);
            mv.visitEnd();
        });
        try (HostProcess host = host(dir)) {
            assertThat(host.hvctl("livepatch", "upload", "verify-error", bad.toString()).status()).isZero();
            HostProcess.Result apply = host.hvctl("livepatch", "apply", "verify-error");
            assertThat(apply.status()).as(apply.out() + apply.err()).isEqualTo(1);
            assertThat(apply.err()).startsWith("hvctl: error APPLY_FAILED: ").contains("VerifyError");
            assertThat(state(host, "verify-error")).startsWith("CHECKED APPLY_FAILED");
            assertThat(extraVersion(host)).isEqualTo("-hv");
            // The host still patches: a good payload applies after the bad one rolled back.
            Path good = versionPayload("good", dir.resolve("good.hvp"), returning("-good"));
            assertThat(host.hvctl("livepatch", "load", good.toString()).status()).isZero();
            assertThat(extraVersion(host)).isEqualTo("-good");
        }
    }

    @Test
    void pcpuStuckInALongSliceMakesApplyBusyAndChangesNothing(@TempDir Path dir) throws Exception {
        Path hello = versionPayload("stuck-hello", dir.resolve("stuck-hello.hvp"), returning("-hello"));
        // A slice of 2e9 instructions that a rendezvous does not cut short (rendezvous-ipi off): the
        // counter guest (about 2e8) runs to its end without ever passing its pCPU's safe point.
        try (HostProcess host = host(dir, "slice = 2000000000", "rendezvous-ipi = false")) {
            assertThat(host.hvctl("livepatch", "upload", "stuck-hello", hello.toString()).status()).isZero();
            assertThat(host.hvctl("create", HostProcess.guestConfig(dir, "counter", "counter").toString()).status()).isZero();
            HostProcess.Result apply = host.hvctl("livepatch", "apply", "stuck-hello");
            assertThat(apply.status()).as(apply.out() + apply.err() + host.hvctl("dmesg").out()).isEqualTo(2);
            assertThat(apply.err()).startsWith("hvctl: error TIMEOUT: ").contains("nothing was changed");
            assertThat(state(host, "stuck-hello")).startsWith("CHECKED");
            assertThat(extraVersion(host)).isEqualTo("-hv");
            // The guest is unharmed, and once it is done the same apply goes through.
            String expected = Files.readString(HostProcess.REPO.resolve("hv-runtime/guests/bin/counter.expected"));
            await().atMost(Duration.ofSeconds(90)).until(() -> LivepatchSamplesTest.console(host, "counter").equals(expected));
            HostProcess.Result again = host.hvctl("livepatch", "apply", "stuck-hello");
            assertThat(again.status()).as(again.err()).isZero();
            assertThat(extraVersion(host)).isEqualTo("-hello");
        }
    }

    @Test
    void hostKilledMidApplyComesBackWithItsAppliedStackAndSaysWhatWasInterrupted(@TempDir Path dir) throws Exception {
        Path hello = versionPayload("base-hello", dir.resolve("base-hello.hvp"), returning("-hello"));
        // A hooks-only payload whose pre-apply hook logs and then takes 4 s (the hook bound is 5 s):
        // the host is killed while it sleeps, between the journal's "begin apply" and its end.
        Map<String, byte[]> sleepy = CraftedPayloads.compile(Map.of("SleepyPreApply.java", """
                package io.hotvisor.runtime.host;

                import io.hotvisor.livepatch.api.LivepatchHooks;
                import io.hotvisor.livepatch.api.PreApply;

                @LivepatchHooks
                public final class SleepyPreApply {
                    @PreApply
                    public static void preApply() throws InterruptedException {
                        System.getLogger("hotvisor.sample").log(System.Logger.Level.INFO, "sleepy: pre-apply sleeping");
                        Thread.sleep(4000);
                    }
                }
                """), dir.resolve("sleepy"));
        Path hostDir = dir.resolve("host");
        try (HostProcess host = host(hostDir)) {
            assertThat(host.hvctl("livepatch", "load", hello.toString()).status()).isZero();
            String helloId = host.hvctl("livepatch", "list", "--json").json().path("payloads").get(0).path("buildId").asText();
            Path sleepyPayload = CraftedPayloads.write("sleepy", helloId, List.of(), sleepy, key, dir.resolve("sleepy.hvp"));
            assertThat(host.hvctl("livepatch", "upload", "sleepy", sleepyPayload.toString()).status()).isZero();
            Process apply = host.hvctlInBackground(dir.resolve("apply.out"), true, "livepatch", "apply", "sleepy");
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                String log = host.hvctl("dmesg").out();
                if (!apply.isAlive()) {
                    throw new AssertionError("the apply ended before the host was killed: " + Files.readString(dir.resolve("apply.out")) + log);
                }
                return log.contains("sleepy: pre-apply sleeping");
            });
            host.process.destroyForcibly(); // SIGKILL
            assertThat(host.process.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(apply.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(apply.exitValue()).as(Files.readString(dir.resolve("apply.out"))).isNotZero();
        }
        try (HostProcess again = host(hostDir)) {
            String dmesg = again.hvctl("dmesg").out();
            assertThat(dmesg).contains("recovery: apply sleepy was interrupted").contains("recovery: re-applied base-hello");
            assertThat(state(again, "base-hello")).startsWith("APPLIED");
            assertThat(state(again, "sleepy")).startsWith("CHECKED");
            assertThat(extraVersion(again)).isEqualTo("-hello");
            // Consistent: the interrupted payload can be applied now, and reverted, in order.
            assertThat(again.hvctl("livepatch", "revert", "base-hello").status()).isEqualTo(0);
            assertThat(extraVersion(again)).isEqualTo("-hv");
        }
    }
}
