package io.hotvisor.patch.applier;

import io.hotvisor.patch.applier.journal.JournalRecord;
import io.hotvisor.runtime.domain.DomainState;
import io.hotvisor.runtime.host.Host;
import io.hotvisor.runtime.host.HostConfig;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

/** Quiesce-apply-resume against the real JVM and a real host: failures inside the window, activeness, timeouts. */
class WindowTest {
    @TempDir
    Path state;
    Harness h;
    Host ownHost;

    @AfterEach
    void tearDown() throws Exception {
        if (h != null) {
            h.close();
        }
        if (ownHost != null) {
            ownHost.close();
        }
    }

    /** Greeter v2 whose greet() returns an int where a String is due: the JVM's verifier refuses it. */
    private static byte[] unverifiableGreeter() {
        ClassWriter cw = new ClassWriter(0);
        new ClassReader(FixtureBundle.bytes("v2", "fix.Greeter")).accept(new ClassVisitor(Opcodes.ASM9, cw) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String desc, String sig, String[] ex) {
                MethodVisitor mv = super.visitMethod(access, name, desc, sig, ex);
                if (!name.equals("greet")) {
                    return mv;
                }
                mv.visitCode();
                mv.visitInsn(Opcodes.ICONST_1);
                mv.visitInsn(Opcodes.ARETURN);
                mv.visitMaxs(1, 0);
                mv.visitEnd();
                return null;
            }
        }, ClassReader.SKIP_FRAMES);
        return cw.toByteArray();
    }

    /** Greeter v2 with one more method: a schema change the JVM refuses to redefine. */
    private static byte[] greeterWithAnAddedMethod() {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_MAXS);
        new ClassReader(FixtureBundle.bytes("v2", "fix.Greeter")).accept(new ClassVisitor(Opcodes.ASM9, cw) {
            @Override
            public void visitEnd() {
                MethodVisitor mv = super.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, "added", "()V", null, null);
                mv.visitCode();
                mv.visitInsn(Opcodes.RETURN);
                mv.visitMaxs(0, 0);
                mv.visitEnd();
                super.visitEnd();
            }
        }, 0);
        return cw.toByteArray();
    }

    @Test
    void aClassThatFailsJvmVerificationIsRolledBackInTheWindowAndNothingChanges() throws Exception {
        h = new Harness(state);
        h.agent.upload("bad", Payloads.named("bad").redefine("fix.Worker", "v1", "v2")
                .redefine("fix.Greeter", FixtureBundle.bytes("v1", "fix.Greeter"), unverifiableGreeter()).bytes());
        LivepatchException e = catchThrowableOfType(() -> h.agent.apply("bad"), LivepatchException.class);
        assertThat(e.code()).isEqualTo(ErrorCode.APPLY_FAILED);
        assertThat(e.rolledBack()).isTrue();
        assertThat(e.getMessage()).contains("java.lang.VerifyError");
        assertThat(h.greet()).isEqualTo("v1");
        PayloadStatus row = h.agent.get("bad").orElseThrow();
        assertThat(row.state()).isEqualTo(PayloadState.CHECKED);
        assertThat(row.lastError()).startsWith("APPLY_FAILED: ").contains("VerifyError");
        // One batch: the good class of the same payload was not redefined either, so a payload
        // expecting Worker v1 still applies.
        h.agent.upload("good", Payloads.named("good").redefine("fix.Worker", "v1", "v2").bytes());
        h.agent.apply("good");
    }

    @Test
    void aSchemaChangeIsRefusedByTheJvmAndRolledBack() throws Exception {
        h = new Harness(state);
        h.agent.upload("schema", Payloads.named("schema")
                .redefine("fix.Greeter", FixtureBundle.bytes("v1", "fix.Greeter"), greeterWithAnAddedMethod()).bytes());
        LivepatchException e = catchThrowableOfType(() -> h.agent.apply("schema"), LivepatchException.class);
        assertThat(e.code()).isEqualTo(ErrorCode.APPLY_FAILED);
        assertThat(e.getMessage()).contains("UnsupportedOperationException");
        assertThat(h.greet()).isEqualTo("v1");
    }

    /** Starts thread 'subsystem-worker' inside fix.Worker.hold, which counts {@code entered} down and waits for {@code leave}. */
    private Thread holdInWorker(CountDownLatch entered, CountDownLatch leave) {
        Class<?> worker = h.bundle.type("fix.Worker");
        Thread t = new Thread(() -> {
            try {
                worker.getMethod("hold", CountDownLatch.class, CountDownLatch.class).invoke(null, entered, leave);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }, "subsystem-worker");
        t.start();
        return t;
    }

    @Test
    void aThreadInsideAMethodBeingReplacedRefusesTheApplyNamingMethodAndThread() throws Exception {
        h = new Harness(state);
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch leave = new CountDownLatch(1);
        Thread t = holdInWorker(entered, leave);
        entered.await();
        h.agent.upload("w", Payloads.named("w").redefine("fix.Worker", "v1", "v2").bytes());

        LivepatchException e = catchThrowableOfType(() -> h.agent.apply("w"), LivepatchException.class);
        assertThat(e.code()).isEqualTo(ErrorCode.ACTIVE);
        assertThat(e.exitStatus()).isEqualTo(2);
        assertThat(e.getMessage()).contains("method fix.Worker.hold").contains("thread 'subsystem-worker'")
                .contains("Nothing was changed");
        assertThat(h.agent.get("w").orElseThrow().state()).isEqualTo(PayloadState.CHECKED);

        leave.countDown();
        t.join();
        h.agent.apply("w");
        assertThat(h.agent.get("w").orElseThrow().state()).isEqualTo(PayloadState.APPLIED);
    }

    @Test
    void aThreadInsideAnUnchangedMethodDoesNotBlockTheApply() throws Exception {
        h = new Harness(state);
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch leave = new CountDownLatch(1);
        Thread t = holdInWorker(entered, leave);
        entered.await();
        try {
            h.agent.upload("g", Payloads.named("g").redefine("fix.Greeter", "v1", "v2").bytes());
            h.agent.apply("g");
            assertThat(h.greet()).isEqualTo("v2");
        } finally {
            leave.countDown();
            t.join();
        }
    }

    @Test
    void aPcpuStuckInALongSliceMakesTheApplyTimeOutAsBusyAndChangesNothing() throws Exception {
        // A 2e9-instruction slice: the counter guest runs to its end without reaching a safe point.
        ownHost = new Host(HostConfig.defaults().withLogConsole(false).withSlice(2_000_000_000L).withRendezvousIpi(false)).start();
        h = new Harness(state, Harness.config().withRendezvousTimeout(Duration.ofMillis(30)),
                ownHost.rendezvous());
        h.agent.upload("fix-1", Payloads.named("fix-1").redefine("fix.Greeter", "v1", "v2").bytes());
        Guests.Running counter = Guests.boot(ownHost, "counter");
        await().atMost(Duration.ofSeconds(60)).until(() -> counter.output().contains("counter: 1\n"));

        LivepatchException e = catchThrowableOfType(() -> h.agent.apply("fix-1"), LivepatchException.class);

        assertThat(e.code()).isEqualTo(ErrorCode.TIMEOUT);
        assertThat(e.exitStatus()).isEqualTo(2);
        assertThat(e.getMessage()).contains("timed out after 30 ms").contains("nothing was changed");
        assertThat(h.greet()).isEqualTo("v1");
        assertThat(h.agent.get("fix-1").orElseThrow().state()).isEqualTo(PayloadState.CHECKED);
        List<JournalRecord> journal = JournalTestSupport.read(h.agent.journalFile());
        assertThat(journal.get(journal.size() - 1).code()).isEqualTo("TIMEOUT");
        assertThat(counter.awaitExit(120).state()).isEqualTo(DomainState.SHUTDOWN);
        assertThat(counter.output()).isEqualTo(Guests.expected("counter"));
    }

    @Test
    void guestsKeepTheirExactOutputWhilePayloadsAreAppliedAndReverted() throws Exception {
        ownHost = new Host(HostConfig.defaults().withLogConsole(false)).start();
        h = new Harness(state, Harness.config(), ownHost.rendezvous());
        h.agent.upload("fix-1", Payloads.named("fix-1").redefine("fix.Greeter", "v1", "v2").bytes());
        Guests.Running counter = Guests.boot(ownHost, "counter");
        Guests.Running sha = Guests.boot(ownHost, "sha256");
        List<ActionReport> reports = new ArrayList<>();
        while (!counter.domain().exit().isDone() || !sha.domain().exit().isDone()) {
            reports.add(h.agent.apply("fix-1"));
            assertThat(h.greet()).isEqualTo("v2");
            reports.add(h.agent.revert("fix-1"));
            assertThat(h.greet()).isEqualTo("v1");
        }
        assertThat(counter.awaitExit(5).state()).isEqualTo(DomainState.SHUTDOWN);
        assertThat(sha.awaitExit(5).state()).isEqualTo(DomainState.SHUTDOWN);
        assertThat(counter.output()).isEqualTo(Guests.expected("counter"));
        assertThat(sha.output()).isEqualTo(Guests.expected("sha256"));
        assertThat(reports).isNotEmpty().allSatisfy(r -> {
            assertThat(r.pauseNanos()).isPositive();
            assertThat(r.windowNanos()).isPositive();
            assertThat(r.pauseNanos()).isGreaterThanOrEqualTo(r.windowNanos());
            assertThat(r.loadedClassCount()).isPositive();
        });
        System.out.println("apply/revert under counter+sha256: " + reports.size() + " actions, last: " + reports.get(reports.size() - 1).summary());
    }
}
