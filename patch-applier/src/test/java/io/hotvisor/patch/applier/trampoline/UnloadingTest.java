package io.hotvisor.patch.applier.trampoline;

import net.bytebuddy.agent.ByteBuddyAgent;
import org.junit.jupiter.api.Test;

import java.lang.management.ClassLoadingMXBean;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Map;

import static io.hotvisor.patch.applier.trampoline.Fixture.GREETER;
import static io.hotvisor.patch.applier.trampoline.Fixture.call;
import static io.hotvisor.patch.applier.trampoline.Fixture.newInstance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Reverted trampolines leave nothing behind: their hidden classes unload once unreachable. */
class UnloadingTest {
    private static final int CYCLES = 200;
    /** Classes the JDK may load on its own while the test runs (lambda forms, GC, JUnit). */
    private static final int NOISE = 60;

    private final ClassLoadingMXBean classes = ManagementFactory.getClassLoadingMXBean();
    private final Trampolines trampolines = new Trampolines(ByteBuddyAgent.install());
    private final Class<?> greeter = new WovenLoader(Fixture.base(), true).load(GREETER);
    private final Object instance = newInstance(greeter, "ada");

    @Test
    void hiddenClassesUnloadAfterRevertOverManyCycles() {
        cycle();
        long firstCycleLoaded = settledLoadedCount();
        long unloadedBefore = classes.getUnloadedClassCount();

        for (int i = 0; i < CYCLES; i++) {
            cycle();
        }

        await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(100)).until(() -> {
            System.gc();
            return classes.getUnloadedClassCount() - unloadedBefore >= CYCLES
                    && classes.getLoadedClassCount() <= firstCycleLoaded + NOISE;
        });
    }

    /** Apply, use, revert: the output must be the patched one, then the original, every time. */
    private void cycle() {
        Prepared fix = trampolines.prepare("helper-and-lambda",
                Map.of(greeter, Fixture.head("helper-and-lambda", GREETER)));
        trampolines.push(fix).apply();
        assertThat((String) call(instance, "greet")).startsWith("[dear ada#");
        trampolines.pop(fix).apply();
        assertThat(call(instance, "greet")).isEqualTo("hello ada");
        trampolines.settle();
    }

    private long settledLoadedCount() {
        System.gc();
        return classes.getLoadedClassCount();
    }
}
