package io.hotvisor.patch.applier.health;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The false revert of a healthy payload on a loaded host, reproduced with real threads: a pCPU
 * thread that the OS does not run (here: one blocked in a socket accept, which Java reports as
 * RUNNABLE and which uses no CPU, exactly like a runnable thread the OS left waiting) made no
 * progress for longer than the stall, and the old check failed it. With the threads' CPU time the
 * check tells it apart from a thread that spins without progress (a bad patch), which still fails.
 * Time is a fake clock, so the stall is passed without waiting; CPU time is real.
 */
class StuckOrStarvedTest {
    private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private ServerSocketChannel server;

    @AfterEach
    void tearDown() throws Exception {
        stop.set(true);
        if (server != null) {
            server.close();
        }
    }

    private Thread spinner(String name) {
        Thread t = new Thread(() -> {
            long x = 0;
            while (!stop.get()) {
                x += System.nanoTime() & 1;
            }
            if (x == 42) {
                System.out.print("");
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private Thread starved(String name) throws Exception {
        server = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Thread t = new Thread(() -> {
            try {
                server.accept();
            } catch (Exception closed) {
                // the test is over
            }
        }, name);
        t.setDaemon(true);
        t.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> t.getState() == Thread.State.RUNNABLE);
        return t;
    }

    private ProgressCheck check(String prefix) {
        long[] frozen = {7, 7};
        return new ProgressCheck("pCPU", frozen::clone, () -> true, Duration.ofMillis(100), now::get,
                new ThreadCpuTimes(prefix, 2));
    }

    @Test
    void aPcpuThreadThatDidNotRunIsAWarningNotAFailure() throws Exception {
        Thread s = starved("starve-0");
        Thread idle = starvedSibling("starve-1");
        ProgressCheck check = check("starve-");
        check.begin();
        now.addAndGet(Duration.ofSeconds(3).toNanos());
        HealthCheck.Result r = check.check();
        assertThat(r.ok()).as(r.reason()).isTrue();
        assertThat(r.reason()).contains("made no progress").contains("starved or waiting, not stuck");
        assertThat(check.check().reason()).as("warned once per stall").isNull();
        assertThat(s.isAlive() && idle.isAlive()).isTrue();
    }

    @Test
    void aPcpuThreadThatSpinsWithoutProgressStillFails() throws Exception {
        Thread spinning = spinner("spin-0");
        starvedSibling("spin-1");
        ProgressCheck check = check("spin-");
        check.begin();
        long cpuAtBegin = MX.getThreadCpuTime(spinning.getId());
        await().atMost(Duration.ofSeconds(30)).until(() -> MX.getThreadCpuTime(spinning.getId()) - cpuAtBegin > 80_000_000L);
        now.addAndGet(Duration.ofSeconds(3).toNanos());
        HealthCheck.Result r = check.check();
        assertThat(r.ok()).isFalse();
        assertThat(r.reason()).startsWith("pCPU 0 made no progress").contains("while its thread ran");
    }

    /** A core-scheduled sibling with nothing to run: it waits, using no CPU. */
    private Thread starvedSibling(String name) {
        Thread t = new Thread(() -> {
            synchronized (this) {
                while (!stop.get()) {
                    try {
                        wait(50);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }
}
