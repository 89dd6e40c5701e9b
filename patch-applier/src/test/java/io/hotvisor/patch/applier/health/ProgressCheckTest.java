package io.hotvisor.patch.applier.health;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class ProgressCheckTest {
    private final AtomicLong now = new AtomicLong();
    private final long[] counters = {0, 0};
    private final AtomicBoolean runnable = new AtomicBoolean(true);
    private final ProgressCheck check = new ProgressCheck("pCPU", counters::clone, runnable::get, Duration.ofMillis(100), now::get, null);

    @Test
    void countersThatMoveAreHealthy() {
        check.begin();
        for (int i = 1; i <= 5; i++) {
            now.addAndGet(60_000_000);
            counters[0] += 10;
            counters[1] += 10;
            assertThat(check.check().ok()).isTrue();
        }
    }

    @Test
    void aCounterStuckLongerThanTheStallWhileGuestsAreRunnableFailsNamingIt() {
        check.begin();
        now.addAndGet(60_000_000);
        counters[0] += 10;
        assertThat(check.check().ok()).isTrue();
        now.addAndGet(60_000_000);
        counters[0] += 10;
        HealthCheck.Result r = check.check();
        assertThat(r.ok()).isFalse();
        assertThat(r.reason()).startsWith("pCPU 1 made no progress for 120 ms");
    }

    @Test
    void aStillCounterIsFineWhileNothingIsRunnable() {
        check.begin();
        runnable.set(false);
        for (int i = 0; i < 5; i++) {
            now.addAndGet(60_000_000);
            assertThat(check.check().ok()).isTrue();
        }
    }
}
