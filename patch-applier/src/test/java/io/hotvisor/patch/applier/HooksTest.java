package io.hotvisor.patch.applier;

import io.hotvisor.patch.applier.journal.JournalRecord;
import io.hotvisor.patch.format.manifest.HookPhase;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

/** Xen's action hooks (xen/test/livepatch: prepost_hooks_fail, action_hooks_noapply, ...) on the JVM. */
class HooksTest {
    private static final HookPhase[] ALL = HookPhase.values();

    @TempDir
    Path state;
    Harness h;

    @AfterEach
    void tearDown() {
        if (h != null) {
            h.close();
        }
    }

    private Harness harness(AgentConfig config) throws Exception {
        h = new Harness(state, config, Harness.sharedHost().rendezvous());
        return h;
    }

    private static byte[] withAllHooks(String name) {
        return Payloads.named(name).redefine("fix.Greeter", "v1", "v2").hooks(ALL).bytes();
    }

    @Test
    void hooksRunInLifecycleOrderAroundTheWindow() throws Exception {
        harness(Harness.config());
        h.agent.upload("hooked", withAllHooks("hooked"));
        h.agent.apply("hooked");
        h.agent.revert("hooked");
        assertThat(HookCalls.calls()).containsExactly("pre-apply", "apply", "post-apply", "pre-revert", "revert", "post-revert");
    }

    @Test
    void failingPreApplyHookVetoesTheApplyAndNoOtherHookRuns() throws Exception {
        harness(Harness.config());
        h.agent.upload("hooked", withAllHooks("hooked"));
        HookCalls.failIn("pre-apply");
        LivepatchException e = catchThrowableOfType(() -> h.agent.apply("hooked"), LivepatchException.class);
        assertThat(e.code()).isEqualTo(ErrorCode.HOOK_FAILED);
        assertThat(e.rolledBack()).isFalse();
        assertThat(e.getMessage()).contains("vetoed").contains("pre-apply hook fix.Hooks.preApply").contains("on purpose");
        assertThat(HookCalls.calls()).containsExactly("pre-apply");
        assertThat(h.greet()).isEqualTo("v1");
        assertThat(h.agent.get("hooked").orElseThrow().state()).isEqualTo(PayloadState.CHECKED);
        assertThat(h.agent.get("hooked").orElseThrow().lastError()).startsWith("HOOK_FAILED: ");
    }

    @Test
    void throwingApplyHookIsRolledBackInTheSameWindowAndPostApplyStillRuns() throws Exception {
        harness(Harness.config());
        h.agent.upload("hooked", withAllHooks("hooked"));
        HookCalls.failIn("apply");
        LivepatchException e = catchThrowableOfType(() -> h.agent.apply("hooked"), LivepatchException.class);
        assertThat(e.code()).isEqualTo(ErrorCode.HOOK_FAILED);
        assertThat(e.rolledBack()).isTrue();
        assertThat(e.getMessage()).contains("rolled back in the same window");
        assertThat(h.greet()).isEqualTo("v1");
        assertThat(h.agent.get("hooked").orElseThrow().state()).isEqualTo(PayloadState.CHECKED);
        assertThat(HookCalls.calls()).containsExactly("pre-apply", "apply", "post-apply");
        JournalRecord end = lastEnd("apply");
        assertThat(end.outcome()).isEqualTo(JournalRecord.FAILED);
        assertThat(end.code()).isEqualTo("HOOK_FAILED");
        // The record of running bytes was restored too: the same payload applies cleanly afterwards.
        HookCalls.reset();
        h.agent.apply("hooked");
        assertThat(h.greet()).isEqualTo("v2");
    }

    @Test
    void throwingRevertHookKeepsThePayloadApplied() throws Exception {
        harness(Harness.config());
        h.agent.upload("hooked", withAllHooks("hooked"));
        h.agent.apply("hooked");
        HookCalls.failIn("revert");
        LivepatchException e = catchThrowableOfType(() -> h.agent.revert("hooked"), LivepatchException.class);
        assertThat(e.code()).isEqualTo(ErrorCode.HOOK_FAILED);
        assertThat(h.greet()).isEqualTo("v2");
        assertThat(h.agent.get("hooked").orElseThrow().state()).isEqualTo(PayloadState.APPLIED);
    }

    @Test
    void hungPreApplyHookIsAbandonedAfterItsTimeout() throws Exception {
        harness(Harness.config().withHookTimeouts(Duration.ofMillis(300), Duration.ofMillis(200)));
        h.agent.upload("hooked", withAllHooks("hooked"));
        HookCalls.hangIn("pre-apply");
        LivepatchException e = catchThrowableOfType(() -> h.agent.apply("hooked"), LivepatchException.class);
        HookCalls.unhang();
        assertThat(e.code()).isEqualTo(ErrorCode.HOOK_FAILED);
        assertThat(e.getMessage()).contains("did not finish within 300 ms").contains("livepatch-hook-");
        assertThat(h.greet()).isEqualTo("v1");
    }

    @Test
    void hungApplyHookStretchesTheWindowToItsBoundThenRollsBack() throws Exception {
        harness(Harness.config().withHookTimeouts(Duration.ofSeconds(5), Duration.ofMillis(150)));
        h.agent.upload("hooked", withAllHooks("hooked"));
        HookCalls.hangIn("apply");
        LivepatchException e = catchThrowableOfType(() -> h.agent.apply("hooked"), LivepatchException.class);
        HookCalls.unhang();
        assertThat(e.code()).isEqualTo(ErrorCode.HOOK_FAILED);
        assertThat(e.rolledBack()).isTrue();
        assertThat(e.getMessage()).contains("did not finish within 150 ms");
        assertThat(h.greet()).isEqualTo("v1");
    }

    @Test
    void anOverrunningApplyHookIsInterruptedAndWaitedForBeforeTheRollback() throws Exception {
        harness(Harness.config().withHookTimeouts(Duration.ofSeconds(5), Duration.ofMillis(150)));
        h.agent.upload("hooked", withAllHooks("hooked"));
        HookCalls.hangIn("apply");
        LivepatchException e = catchThrowableOfType(() -> h.agent.apply("hooked"), LivepatchException.class);
        HookCalls.unhang();
        assertThat(e.code()).isEqualTo(ErrorCode.HOOK_FAILED);
        assertThat(e.getMessage()).contains("interrupted, it ended").doesNotContain("abandoned");
        assertThat(e.rolledBack()).isTrue();
    }

    @Test
    void anApplyHookThatIgnoresItsInterruptMakesTheActionInconsistentNotSilentlyAbandoned() throws Exception {
        harness(Harness.config().withHookTimeouts(Duration.ofSeconds(5), Duration.ofMillis(150)));
        h.agent.upload("hooked", withAllHooks("hooked"));
        HookCalls.hangStubbornlyIn("apply");
        LivepatchException e;
        try {
            e = catchThrowableOfType(() -> h.agent.apply("hooked"), LivepatchException.class);
        } finally {
            HookCalls.unhang();
        }
        assertThat(e.code()).isEqualTo(ErrorCode.INCONSISTENT);
        assertThat(e.getMessage()).contains("was still running it 150 ms later").contains("Restart the host");
        assertThat(h.greet()).as("the classes were rolled back all the same").isEqualTo("v1");
    }

    @Test
    void hookCallingBackIntoTheAgentGetsBusyInsteadOfDeadlocking() throws Exception {
        harness(Harness.config());
        h.agent.upload("hooked", withAllHooks("hooked"));
        HookCalls.callback(() -> {
            try {
                h.agent.list();
                h.agent.unload("hooked");
                return "unloaded";
            } catch (LivepatchException e) {
                return e.code().name();
            }
        });
        h.agent.apply("hooked");
        assertThat(HookCalls.calls()).contains("pre-apply callback: BUSY", "apply callback: BUSY", "post-apply callback: BUSY");
        assertThat(h.greet()).isEqualTo("v2");
    }

    @Test
    void aSecondActionWhileOneRunsIsBusyAndNeverInterleaved() throws Exception {
        harness(Harness.config().withHookTimeouts(Duration.ofSeconds(20), Duration.ofMillis(200)));
        h.agent.upload("hooked", withAllHooks("hooked"));
        h.agent.upload("w", Payloads.named("w").redefine("fix.Worker", "v1", "v2").bytes());
        HookCalls.hangIn("pre-apply");
        CompletableFuture<ActionReport> first = CompletableFuture.supplyAsync(() -> {
            try {
                return h.agent.apply("hooked");
            } catch (LivepatchException e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> "apply hooked".equals(h.agent.list().inProgress()));
        LivepatchException e = catchThrowableOfType(() -> h.agent.apply("w"), LivepatchException.class);
        assertThat(e.code()).isEqualTo(ErrorCode.BUSY);
        assertThat(e.exitStatus()).isEqualTo(2);
        assertThat(e.getMessage()).startsWith("Operation already in progress (apply hooked)");
        HookCalls.unhang();
        first.get();
        assertThat(h.agent.list().applied()).containsExactly("hooked");
    }

    @Test
    void revertedNewClassesStayLoadedAndTheListingSaysSo() throws Exception {
        harness(Harness.config());
        h.agent.upload("hooked", withAllHooks("hooked"));
        h.agent.apply("hooked");
        assertThat(h.agent.get("hooked").orElseThrow().strandedClasses()).isEmpty();
        ActionReport r = h.agent.revert("hooked");
        assertThat(r.notes()).anyMatch(n -> n.contains("stay loaded but unreachable"));
        assertThat(h.agent.get("hooked").orElseThrow().strandedClasses()).containsExactly("test.bundle:fix.Hooks");
        HookCalls.reset();
        h.agent.apply("hooked");
        assertThat(HookCalls.calls()).containsExactly("pre-apply", "apply", "post-apply");
    }

    @Test
    void aPayloadOfHooksAndANewClassOnlyIsValid() throws Exception {
        harness(Harness.config());
        h.agent.upload("nofunc", Payloads.named("nofunc").hooks(HookPhase.APPLY, HookPhase.REVERT).bytes());
        ActionReport r = h.agent.apply("nofunc");
        assertThat(r.classes()).isZero();
        h.agent.revert("nofunc");
        assertThat(HookCalls.calls()).containsExactly("apply", "revert");
    }

    private JournalRecord lastEnd(String action) {
        List<JournalRecord> all = JournalTestSupport.read(h.agent.journalFile());
        JournalRecord last = null;
        for (JournalRecord r : all) {
            if (r.isEnd() && action.equals(r.action())) {
                last = r;
            }
        }
        return last;
    }
}
