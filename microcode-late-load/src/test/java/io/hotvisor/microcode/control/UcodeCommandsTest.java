package io.hotvisor.microcode.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.hotvisor.microcode.CpuIdentity;
import io.hotvisor.microcode.intel.IntelUpdateBuilder;
import io.hotvisor.microcode.load.LateLoader;
import io.hotvisor.stopmachine.StopMachine;
import io.hotvisor.microcode.load.RevisionEffects;
import io.hotvisor.microcode.load.SimulatedCpus;
import io.hotvisor.control.ControlException;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** The ucode.* control commands' arguments, results and error codes, as hvctl sees them in JSON. */
class UcodeCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final SimulatedCpus cpus = new SimulatedCpus(1, 2, CpuIdentity.intel(0x000806ec, 2, 0xf0), RevisionEffects.SIMULATED);
    /** One core: runs its action at once, as if parked. */
    private final StopMachine stop = new StopMachine() {
        @Override
        public Report run(Action action, java.time.Duration timeout, Arrival arrival) {
            throw new UnsupportedOperationException("late loading runs per core");
        }

        @Override
        public Report runPerCore(CoreAction action, java.time.Duration timeout) throws Exception {
            action.run(0);
            return new StopMachine.Report(1_000_000, 500_000, 1_500_000);
        }
    };
    private final UcodeLoadCommand load = new UcodeLoadCommand(new LateLoader(cpus, stop));

    private static ObjectNode request(byte[] file, boolean force) {
        ObjectNode a = JSON.createObjectNode();
        a.putArray("files").addObject().put("name", "06-8e-0c").put("data", Base64.getEncoder().encodeToString(file));
        a.put("force", force);
        return a;
    }

    @Test
    void loadReturnsLinesPerCpuResultsAndThePause() throws Exception {
        JsonNode r = JSON.valueToTree(load.handle(request(new IntelUpdateBuilder().revision(0xf4).minRequiredRevision(0xe0).build(), false), p -> true));
        assertThat(r.path("complete").asBoolean()).isTrue();
        assertThat(r.path("lines").get(0).asText()).isEqualTo("microcode: CPUs 0-1 (core 0): updated from revision 0xf0 to 0xf4, date = 2024-11-17");
        assertThat(r.path("cpus")).hasSize(2);
        assertThat(r.path("cpus").get(1).path("status").asText()).isEqualTo("updated");
        assertThat(r.path("cpus").get(1).path("primary").asBoolean()).isFalse();
        assertThat(r.path("cpus").get(1).path("newRevision").asText()).isEqualTo("0xf4");
        assertThat(r.path("featureChanges").get(0).path("added").get(0).asText()).isEqualTo("srbds-ctrl");
        assertThat(r.path("pauseMs").asDouble()).isEqualTo(1.5);
    }

    @Test
    void refusalsAreControlErrorsWithTheLoadersCode() {
        assertThatThrownBy(() -> load.handle(request(new IntelUpdateBuilder().revision(0xf0).build(), false), p -> true))
                .isInstanceOf(ControlException.class)
                .satisfies(e -> {
                    assertThat(((ControlException) e).code()).isEqualTo("NOT_NEWER");
                    assertThat(((ControlException) e).exitStatus()).isEqualTo(1);
                });
        ObjectNode bad = JSON.createObjectNode();
        bad.putArray("files").addObject().put("name", "x").put("data", "***");
        assertThatThrownBy(() -> load.handle(bad, p -> true)).hasMessageStartingWith("x: the data is not base64");
        assertThat(cpus.readRevision(0)).isEqualTo(0xf0);
    }

    @Test
    void statusShowsEveryPcpu() {
        JsonNode r = JSON.valueToTree(new UcodeStatusCommand(cpus).handle(JSON.createObjectNode(), p -> true));
        JsonNode cpu1 = r.path("cpus").get(1);
        assertThat(cpu1.path("signature").asText()).isEqualTo("0x000806ec");
        assertThat(cpu1.path("fms").asText()).isEqualTo("06-8e-0c");
        assertThat(cpu1.path("pfMask").asText()).isEqualTo("0x04");
        assertThat(cpu1.path("revision").asText()).isEqualTo("0xf0");
        assertThat(cpu1.path("thread").asInt()).isEqualTo(1);
    }
}
