package io.hotvisor.patch.applier;

import io.hotvisor.patch.format.LivepatchMechanism;
import io.hotvisor.patch.format.manifest.Requirement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * A payload whose manifest requires a trampoline (it adds methods) against the host's mechanism:
 * refused at upload by a host that applies payloads by redefinition, with what to do, instead of
 * failing in the window; accepted by a trampoline host; a payload that requires nothing is
 * uploaded by both.
 */
class UploadMechanismTest {
    @TempDir
    Path state;

    private static byte[] trampolinePayload() {
        return Payloads.named("tramp").redefine("fix.Greeter", "v1", "v2").requires(Requirement.TRAMPOLINE).bytes();
    }

    private static AgentConfig on(LivepatchMechanism mechanism) {
        return Harness.config().withMechanism(mechanism);
    }

    @Test
    void theDefaultMechanismIsRedefinition() {
        assertThat(AgentConfig.defaults().mechanism()).isEqualTo(LivepatchMechanism.REDEFINE);
    }

    @Test
    void aRedefiningHostRefusesAPayloadThatRequiresATrampolineAtUploadSayingWhatToDo() throws Exception {
        try (Harness h = new Harness(state, on(LivepatchMechanism.REDEFINE), Harness.sharedHost().rendezvous())) {
            LivepatchException e = catchThrowableOfType(LivepatchException.class, () -> h.agent.upload("tramp", trampolinePayload()));
            assertThat(e.code()).isEqualTo(ErrorCode.WRONG_MECHANISM);
            assertThat(e.exitStatus()).isEqualTo(1);
            assertThat(e.getMessage()).isEqualTo("this host applies payloads by redefinition; payload tramp requires "
                    + "livepatch-mechanism = trampoline (it adds methods): set it in host.cfg and restart, or rebuild the "
                    + "payload without --mechanism trampoline");
            assertThat(h.agent.list().payloads()).isEmpty();
            try (Stream<Path> kept = Files.list(state.resolve(LivepatchAgent.PAYLOAD_DIR))) {
                assertThat(kept).isEmpty();
            }
            assertThat(h.greet()).isEqualTo("v1");
            // The same change without the requirement is the redefining host's to take.
            h.agent.upload("plain", Payloads.named("plain").redefine("fix.Greeter", "v1", "v2").bytes());
            assertThat(h.agent.get("plain").orElseThrow().state()).isEqualTo(PayloadState.CHECKED);
        }
    }

    @Test
    void aTrampolineHostUploadsIt() throws Exception {
        try (Harness h = new Harness(state, on(LivepatchMechanism.TRAMPOLINE), Harness.sharedHost().rendezvous())) {
            h.agent.upload("tramp", trampolinePayload());
            assertThat(h.agent.get("tramp").orElseThrow().state()).isEqualTo(PayloadState.CHECKED);
        }
    }

    @Test
    void aHostRestartedOnRedefinitionSaysWhyItDoesNotTakeBackAKeptTrampolinePayload() throws Exception {
        try (Harness first = new Harness(state, on(LivepatchMechanism.TRAMPOLINE), Harness.sharedHost().rendezvous())) {
            first.agent.upload("tramp", trampolinePayload());
        }
        try (Harness second = Harness.restarted(state, FixtureBundle.hostBuildId())) {
            RecoveryReport report = second.agent.recover();
            assertThat(report.reuploaded()).isEmpty();
            assertThat(report.lines()).anySatisfy(l -> assertThat(l).startsWith("cannot upload tramp again: WRONG_MECHANISM: ")
                    .contains("this host applies payloads by redefinition; payload tramp requires livepatch-mechanism = trampoline"));
        }
    }
}
