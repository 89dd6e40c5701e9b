package io.hotvisor.patch.applier;

import io.hotvisor.control.Taints;
import io.hotvisor.patch.format.BuildId;
import io.hotvisor.patch.format.PayloadError;
import io.hotvisor.patch.format.manifest.HookPhase;
import io.hotvisor.patch.format.sign.SigningKey;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Xen's livepatch state machine, its stack and its refusals. */
class StateMachineTest {
    @TempDir
    Path state;
    Harness h;

    @BeforeEach
    void setUp() throws Exception {
        h = new Harness(state);
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    private static byte[] greeterV2(String name) {
        return Payloads.named(name).redefine("fix.Greeter", "v1", "v2").bytes();
    }

    private static LivepatchException refusal(ThrowingCall call) {
        try {
            call.run();
        } catch (LivepatchException e) {
            return e;
        } catch (Exception e) {
            throw new AssertionError("expected a LivepatchException, got " + e, e);
        }
        throw new AssertionError("expected a refusal");
    }

    @FunctionalInterface
    interface ThrowingCall {
        void run() throws Exception;
    }

    @Test
    void uploadOfADuplicateNameIsRefusedAsExists() throws Exception {
        h.agent.upload("fix-1", greeterV2("fix-1"));
        LivepatchException e = refusal(() -> h.agent.upload("fix-1", greeterV2("fix-1")));
        assertThat(e.code()).isEqualTo(ErrorCode.EXISTS);
        assertThat(e.getMessage()).contains("fix-1").contains("already uploaded");
    }

    @Test
    void uploadOfTheSameChangeUnderAnotherNameIsRefusedAsExists() throws Exception {
        h.agent.upload("fix-1", greeterV2("fix-1"));
        LivepatchException e = refusal(() -> h.agent.upload("fix-1b", greeterV2("fix-1b")));
        assertThat(e.code()).isEqualTo(ErrorCode.EXISTS);
        assertThat(e.getMessage()).contains("same change as fix-1");
    }

    @Test
    void uploadForAnotherHostBuildIsRefused() {
        byte[] foreign = Payloads.named("fix-1").redefine("fix.Greeter", "v1", "v2")
                .target(BuildId.parse("ab".repeat(32))).bytes();
        LivepatchException e = refusal(() -> h.agent.upload("fix-1", foreign));
        assertThat(e.code()).isEqualTo(ErrorCode.WRONG_BUILD);
        assertThat(e.getMessage()).contains("abab").contains(FixtureBundle.hostBuildId().hex());
    }

    @Test
    void uploadWhoseExpectationDoesNotMatchTheRunningClassIsRefusedNamingIt() {
        byte[] wrong = Payloads.named("fix-1").redefine("fix.Worker", "v1", "v2")
                .redefine("fix.Greeter", FixtureBundle.bytes("v2", "fix.Greeter"), FixtureBundle.bytes("v3", "fix.Greeter"))
                .bytes();
        LivepatchException e = refusal(() -> h.agent.upload("fix-1", wrong));
        assertThat(e.code()).isEqualTo(ErrorCode.EXPECTATION);
        assertThat(e.getMessage()).contains("class fix.Greeter").contains("expected");
        assertThat(h.agent.list().payloads()).isEmpty();
    }

    @Test
    void uploadSignedByAnUntrustedKeyIsRefusedWithTheFormatsCode() {
        byte[] untrusted = Payloads.named("fix-1").redefine("fix.Greeter", "v1", "v2").bytes(SigningKey.generate());
        LivepatchException e = refusal(() -> h.agent.upload("fix-1", untrusted));
        assertThat(e.code()).isEqualTo(ErrorCode.BAD_PAYLOAD);
        assertThat(e.payloadError()).isEqualTo(PayloadError.UNTRUSTED_KEY);
    }

    @Test
    void uploadOfATamperedPayloadIsRefused() {
        byte[] bytes = greeterV2("fix-1");
        bytes[bytes.length / 3] ^= 0x5a;
        LivepatchException e = refusal(() -> h.agent.upload("fix-1", bytes));
        assertThat(e.code()).isEqualTo(ErrorCode.BAD_PAYLOAD);
    }

    @Test
    void theCallerChoosesTheNameAPayloadIsUploadedUnderAsInXen() throws Exception {
        h.agent.upload("other", greeterV2("fix-1"));
        h.agent.apply("other");
        assertThat(h.agent.list().applied()).containsExactly("other");
        assertThat(h.greet()).isEqualTo("v2");
    }

    @Test
    void uploadKeepsThePayloadFileInTheStateDirectoryAndUnloadRemovesIt() throws Exception {
        h.agent.upload("fix-1", greeterV2("fix-1"));
        Path kept = state.resolve(LivepatchAgent.PAYLOAD_DIR).resolve(h.agent.get("fix-1").orElseThrow().payloadBuildId().hex() + ".hvp");
        assertThat(kept).exists();
        h.agent.unload("fix-1");
        assertThat(kept).doesNotExist();
        assertThat(h.agent.get("fix-1")).isEmpty();
    }

    @Test
    void applyOfAnAppliedPayloadNeedsNoActionAsXenSays() throws Exception {
        h.agent.upload("fix-1", greeterV2("fix-1"));
        h.agent.apply("fix-1");
        ActionReport again = h.agent.apply("fix-1");
        assertThat(again.noAction()).isTrue();
        assertThat(again.summary()).isEqualTo("No action needed: fix-1 is already APPLIED");
        assertThat(again.pauseNanos()).isZero();
        assertThat(h.greet()).isEqualTo("v2");
    }

    @Test
    void revertOfACheckedPayloadNeedsNoAction() throws Exception {
        h.agent.upload("fix-1", greeterV2("fix-1"));
        assertThat(h.agent.revert("fix-1").noAction()).isTrue();
        assertThat(h.agent.get("fix-1").orElseThrow().lastError()).isNull();
    }

    @Test
    void unloadOfAnAppliedPayloadIsRefused() throws Exception {
        h.agent.upload("fix-1", greeterV2("fix-1"));
        h.agent.apply("fix-1");
        assertThat(refusal(() -> h.agent.unload("fix-1")).code()).isEqualTo(ErrorCode.WRONG_STATE);
        assertThat(h.greet()).isEqualTo("v2");
    }

    @Test
    void actionsOnAnUnknownNameAreNotFound() {
        assertThat(refusal(() -> h.agent.apply("nope")).code()).isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(refusal(() -> h.agent.revert("nope")).code()).isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(refusal(() -> h.agent.unload("nope")).code()).isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(refusal(() -> h.agent.replace("nope")).code()).isEqualTo(ErrorCode.NOT_FOUND);
    }

    @Test
    void stackedPayloadsApplyInOrderAndRevertOfANonTopPayloadIsRefused() throws Exception {
        Payloads a = Payloads.named("a").redefine("fix.Greeter", "v1", "v2");
        h.agent.upload("a", a.bytes());
        byte[] b = Payloads.named("b").redefine("fix.Greeter", "v2", "v3").dependsOn(a.buildId()).bytes();
        h.agent.upload("b", b);
        h.agent.apply("a");
        h.agent.apply("b");
        assertThat(h.greet()).isEqualTo("v3");
        assertThat(h.agent.list().applied()).containsExactly("a", "b");

        LivepatchException e = refusal(() -> h.agent.revert("a"));
        assertThat(e.code()).isEqualTo(ErrorCode.NOT_TOP);
        assertThat(e.getMessage()).contains("revert b first");
        assertThat(h.greet()).isEqualTo("v3");

        h.agent.revert("b");
        assertThat(h.greet()).isEqualTo("v2");
        h.agent.revert("a");
        assertThat(h.greet()).isEqualTo("v1");
    }

    @Test
    void applyWhoseDependencyIsNotTheTopOfTheStackIsRefused() throws Exception {
        Payloads a = Payloads.named("a").redefine("fix.Greeter", "v1", "v2");
        h.agent.upload("a", a.bytes());
        h.agent.upload("b", Payloads.named("b").redefine("fix.Greeter", "v2", "v3").dependsOn(a.buildId()).bytes());
        LivepatchException e = refusal(() -> h.agent.apply("b"));
        assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY);
        assertThat(e.getMessage()).contains("depends on a").contains("apply a first");
        assertThat(h.greet()).isEqualTo("v1");
    }

    @Test
    void aPayloadOnTheHostBuildCannotApplyOnTopOfAnother() throws Exception {
        h.agent.upload("a", greeterV2("a"));
        h.agent.upload("w", Payloads.named("w").redefine("fix.Worker", "v1", "v2").bytes());
        h.agent.apply("a");
        LivepatchException e = refusal(() -> h.agent.apply("w"));
        assertThat(e.code()).isEqualTo(ErrorCode.DEPENDENCY);
    }

    @Test
    void nodepsSkipsTheStackingCheckButNotTheExpectations() throws Exception {
        h.agent.upload("a", greeterV2("a"));
        h.agent.upload("w", Payloads.named("w").redefine("fix.Worker", "v1", "v2").bytes());
        h.agent.apply("a");
        assertThat(h.taints.marks()).extracting(Taints.Mark::flag).containsExactly(Taints.Flag.LIVEPATCH);
        h.agent.apply("w", ActionOptions.DEFAULT.withNodeps());
        assertThat(h.agent.list().applied()).containsExactly("a", "w");
        assertThat(h.taints.marks()).extracting(Taints.Mark::flag).containsExactly(Taints.Flag.LIVEPATCH, Taints.Flag.FORCED);
        assertThat(h.taints.marks().get(0).reason()).contains("apply a");   // the first apply, kept
        assertThat(h.taints.marks().get(1).reason()).contains("apply w").contains("--nodeps");
    }

    @Test
    void replaceRevertsTheWholeStackAndAppliesOnePayloadInOneWindow() throws Exception {
        Payloads a = Payloads.named("a").redefine("fix.Greeter", "v1", "v2");
        h.agent.upload("a", a.bytes());
        h.agent.upload("b", Payloads.named("b").redefine("fix.Greeter", "v2", "v3").dependsOn(a.buildId()).bytes());
        h.agent.apply("a");
        h.agent.apply("b");
        h.agent.upload("r", Payloads.named("r").redefine("fix.Greeter", "v1", "v3").redefine("fix.Worker", "v1", "v2").bytes());

        ActionReport report = h.agent.replace("r");

        assertThat(report.classes()).isEqualTo(2);
        assertThat(h.greet()).isEqualTo("v3");
        assertThat(h.agent.list().applied()).containsExactly("r");
        assertThat(h.agent.get("a").orElseThrow().state()).isEqualTo(PayloadState.CHECKED);
        assertThat(h.agent.get("b").orElseThrow().state()).isEqualTo(PayloadState.CHECKED);
        h.agent.revert("r");
        assertThat(h.greet()).isEqualTo("v1");
    }

    @Test
    void replaceIsRefusedWhenAnInvolvedPayloadHasPreOrPostHooks() throws Exception {
        h.agent.upload("a", Payloads.named("a").redefine("fix.Greeter", "v1", "v2").hooks(HookPhase.POST_APPLY).bytes());
        h.agent.apply("a");
        h.agent.upload("r", Payloads.named("r").redefine("fix.Greeter", "v1", "v3").bytes());
        LivepatchException e = refusal(() -> h.agent.replace("r"));
        assertThat(e.code()).isEqualTo(ErrorCode.UNSUPPORTED);
        assertThat(e.getMessage()).contains("payload a has pre- or post-hooks");
        assertThat(h.greet()).isEqualTo("v2");
    }

    @Test
    void listShowsBuildIdsDependsOnAppliedAtLastErrorAndMetadata() throws Exception {
        Payloads a = Payloads.named("a").redefine("fix.Greeter", "v1", "v2");
        h.agent.upload("a", a.bytes());
        h.agent.upload("b", Payloads.named("b").redefine("fix.Greeter", "v2", "v3").dependsOn(a.buildId()).bytes());
        long before = h.agent.list().version();
        h.agent.apply("a");
        refusal(() -> h.agent.replace("b"));

        Listing list = h.agent.list();
        assertThat(list.version()).isEqualTo(before);
        PayloadStatus rowA = list.payloads().get(0);
        assertThat(rowA.name()).isEqualTo("a");
        assertThat(rowA.state()).isEqualTo(PayloadState.APPLIED);
        assertThat(rowA.payloadBuildId()).isEqualTo(a.buildId());
        assertThat(rowA.targetBuildId()).isEqualTo(FixtureBundle.hostBuildId());
        assertThat(rowA.appliedAt()).isNotNull();
        assertThat(rowA.mechanism()).isEqualTo(ActionReport.REDEFINE);
        assertThat(rowA.metadata().description()).isEqualTo("Fix the greeting.");
        assertThat(rowA.classes()).containsExactly("test.bundle:fix.Greeter (redefine)");
        PayloadStatus rowB = list.payloads().get(1);
        assertThat(rowB.dependsOn()).isEqualTo(a.buildId());
        assertThat(rowB.appliedAt()).isNull();
        assertThat(rowB.mechanism()).isNull();
        assertThat(rowB.lastError()).startsWith("DEPENDENCY: ");
        h.agent.unload("b");
        assertThat(h.agent.list().version()).isGreaterThan(before);
    }

    @Test
    void exitStatusesFollowXenLivepatch() {
        assertThat(ErrorCode.BUSY.exitStatus()).isEqualTo(2);
        assertThat(ErrorCode.TIMEOUT.exitStatus()).isEqualTo(2);
        assertThat(ErrorCode.ACTIVE.exitStatus()).isEqualTo(2);
        for (ErrorCode c : ErrorCode.values()) {
            assertThat(c.exitStatus()).isIn(1, 2);
        }
    }

    @Test
    void loadUnloadsAgainWhenTheApplyFails() throws Exception {
        byte[] veto = Payloads.named("v").redefine("fix.Greeter", "v1", "v2").hooks(HookPhase.PRE_APPLY).bytes();
        HookCalls.failIn("pre-apply");
        LivepatchException e = refusal(() -> h.agent.load("v", veto, ActionOptions.DEFAULT));
        assertThat(e.code()).isEqualTo(ErrorCode.HOOK_FAILED);
        assertThat(h.agent.list().payloads()).isEmpty();
        assertThat(Files.list(state.resolve(LivepatchAgent.PAYLOAD_DIR))).isEmpty();
    }
}
