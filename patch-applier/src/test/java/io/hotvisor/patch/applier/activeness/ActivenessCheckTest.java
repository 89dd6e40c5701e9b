package io.hotvisor.patch.applier.activeness;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** The two halves of the check on real threads: a thread's own walk, and the sample of the others. */
class ActivenessCheckTest {
    private static final String ME = ActivenessCheckTest.class.getName();

    @Test
    void aThreadFindsAChangedMethodOnItsOwnStackAndNamesItself() throws Exception {
        AtomicReference<ActivenessCheck.Hit> found = new AtomicReference<>();
        Thread t = new Thread(() -> found.set(inside(Map.of(ME, Set.of("inside")))), "pcpu-7");
        t.start();
        t.join();
        assertThat(found.get()).isNotNull();
        assertThat(found.get().describe()).contains(ME + ".inside").contains("'pcpu-7'");
        assertThat(inside(Map.of(ME, Set.of("elsewhere")))).isNull();
        assertThat(inside(Map.of())).isNull();
    }

    private static ActivenessCheck.Hit inside(Map<String, Set<String>> changed) {
        return ActivenessCheck.self(changed);
    }

    @Test
    void theSampleOfOtherThreadsSkipsThePcpusItIsTold() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch leave = new CountDownLatch(1);
        Thread held = new Thread(() -> hold(entered, leave), "control-7");
        held.start();
        try {
            entered.await();
            Map<String, Set<String>> changed = Map.of(ME, Set.of("hold"));
            ActivenessCheck.Hit hit = ActivenessCheck.outside(changed, Set.of());
            assertThat(hit).isNotNull();
            assertThat(hit.threadName()).isEqualTo("control-7");
            assertThat(ActivenessCheck.outside(changed, Set.of(held))).isNull();
        } finally {
            leave.countDown();
            held.join();
        }
    }

    private static void hold(CountDownLatch entered, CountDownLatch leave) {
        entered.countDown();
        try {
            leave.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
