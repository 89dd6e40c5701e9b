package io.hotvisor.patch.applier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The vertical slice: upload, apply (one rendezvous, one real redefinition), revert, unload. */
class ApplyRevertTest {
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

    @Test
    void applyRunsTheNewCodeAndRevertRestoresTheOld() throws Exception {
        assertThat(h.greet()).isEqualTo("v1");
        h.agent.upload("fix-1", Payloads.named("fix-1").redefine("fix.Greeter", "v1", "v2").bytes());
        assertThat(h.agent.get("fix-1").orElseThrow().state()).isEqualTo(PayloadState.CHECKED);

        ActionReport applied = h.agent.apply("fix-1");
        assertThat(h.greet()).isEqualTo("v2");
        assertThat(h.agent.get("fix-1").orElseThrow().state()).isEqualTo(PayloadState.APPLIED);
        assertThat(applied.classes()).isEqualTo(1);

        h.agent.revert("fix-1");
        assertThat(h.greet()).isEqualTo("v1");
        assertThat(h.agent.get("fix-1").orElseThrow().state()).isEqualTo(PayloadState.CHECKED);

        h.agent.unload("fix-1");
        assertThat(h.agent.list().payloads()).isEmpty();
    }

    @Test
    void theAfterBatchHookRunsInsideTheWindowOnceTheNewCodeIsIn(@TempDir Path other) throws Exception {
        h.close();
        List<String> seen = new ArrayList<>();
        h = new Harness(other, Harness.config().withAfterBatch(() -> seen.add(h.greet())), Harness.sharedHost().rendezvous());
        h.agent.upload("fix-1", Payloads.named("fix-1").redefine("fix.Greeter", "v1", "v2").bytes());
        h.agent.apply("fix-1");
        h.agent.revert("fix-1");
        // The host drops its translated guest code here: after each batch, before any pCPU runs again.
        assertThat(seen).containsExactly("v2", "v1");
    }
}
