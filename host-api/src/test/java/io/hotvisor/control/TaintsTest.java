package io.hotvisor.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class TaintsTest {
    private final Clock clock = Clock.fixed(Instant.parse("2026-12-06T02:00:00Z"), ZoneOffset.UTC);

    @Test
    void aFlagKeepsItsFirstTimeAndReasonUntilRestart() {
        Taints t = new Taints(clock);
        assertThat(t.summary()).isEqualTo("none");
        assertThat(t.set(Taints.Flag.FORCED, "first")).isTrue();
        assertThat(t.set(Taints.Flag.FORCED, "second")).isFalse();
        assertThat(t.set(Taints.Flag.UCODE_LATE, "loaded")).isTrue();
        assertThat(t.marks()).containsExactly(
                new Taints.Mark(Taints.Flag.UCODE_LATE, clock.instant(), "loaded"),
                new Taints.Mark(Taints.Flag.FORCED, clock.instant(), "first"));
        assertThat(t.summary()).isEqualTo("ucode-late forced");
        assertThat(t.marks().get(1).toMap()).containsEntry("flag", "forced").containsEntry("since", "2026-12-06T02:00:00Z")
                .containsEntry("reason", "first");
    }

    @Test
    void everyFlagOfTheOperatorViewHasItsName() {
        assertThat(Taints.Flag.values()).extracting(Taints.Flag::id)
                .containsExactly("livepatch", "ucode-late", "forced", "degraded", "health-revert");
        assertThat(Taints.Flag.of("health-revert")).isEqualTo(Taints.Flag.HEALTH_REVERT);
        assertThatThrownBy(() -> Taints.Flag.of("tainted")).hasMessage("unknown taint flag 'tainted'");
    }
}
