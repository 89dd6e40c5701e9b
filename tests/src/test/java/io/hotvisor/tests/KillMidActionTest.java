package io.hotvisor.tests;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.hotvisor.tests.LivepatchFaultsTest.extraVersion;
import static io.hotvisor.tests.LivepatchFaultsTest.host;
import static io.hotvisor.tests.LivepatchFaultsTest.returning;
import static io.hotvisor.tests.LivepatchFaultsTest.state;
import static io.hotvisor.tests.LivepatchFaultsTest.versionPayload;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * SIGKILL at every phase of an apply and of a revert, on a real host process (the fault-injection
 * run of docs/fault-injection.md). The host is booted with {@code livepatch-fault-point} armed at
 * one phase; the operator's action stops there, the test kills the host with SIGKILL and boots it
 * again on the same state directory, armed at the next phase. Each boot must find exactly the state
 * the journal proves: an action whose end record was not written did not happen (the payload is
 * where it was before, and says that action was interrupted), one whose end record was written did.
 * Nothing is lost (the payload stays uploaded), and the operator always gets in: {@code hvctl info}
 * answers while the action is stopped, and every next action succeeds.
 */
class KillMidActionTest {
    private static final String NAME = "fix";
    private static final String BASE = "-hv";
    private static final String FIXED = "-fixed";

    /** A phase, whether the action has happened once the host is killed there, and the action. */
    private record Kill(String action, String phase, boolean happened) {
        String point() {
            return action + "." + phase;
        }
    }

    @BeforeAll
    static void keyAndRunningVersionClass(@TempDir Path keys) throws Exception {
        LivepatchFaultsTest.prepare(keys);
    }

    @Test
    void killedAtEveryPhaseOfApplyAndRevertTheHostBootsIntoWhatItsJournalProves(@TempDir Path dir) throws Exception {
        Path payload = versionPayload(NAME, dir.resolve("fix.hvp"), returning(FIXED));
        List<Kill> kills = List.of(
                new Kill("apply", "begun", false), new Kill("apply", "in-window", false),
                new Kill("apply", "done", false), new Kill("apply", "ended", true),
                new Kill("revert", "begun", false), new Kill("revert", "in-window", false),
                new Kill("revert", "done", false), new Kill("revert", "ended", true));
        Path hostDir = dir.resolve("host");
        boolean applied = false;
        Kill previous = null;
        for (Kill kill : kills) {
            try (HostProcess host = host(hostDir, "livepatch-fault-point = " + kill.point())) {
                if (previous == null) {
                    HostProcess.Result up = host.hvctl("livepatch", "upload", NAME, payload.toString());
                    assertThat(up.status()).as(up.err()).isZero();
                } else {
                    assertBootedInto(host, previous, applied);
                }
                // Bring the payload to where this kill's action starts.
                boolean wantApplied = kill.action().equals("revert");
                if (applied != wantApplied) {
                    HostProcess.Result r = host.hvctl("livepatch", wantApplied ? "apply" : "revert", NAME);
                    assertThat(r.status()).as(r.out() + r.err()).isZero();
                    applied = wantApplied;
                }
                Path out = dir.resolve(kill.point() + ".out");
                Process action = host.hvctlInBackground(out, true, "livepatch", kill.action(), NAME);
                await().atMost(Duration.ofSeconds(60)).until(() -> {
                    if (!action.isAlive()) {
                        throw new AssertionError(kill.point() + ": the action ended before the fault point: " + Files.readString(out));
                    }
                    return Files.readString(host.log).contains("fault point " + kill.point() + " reached");
                });
                // The operator gets in while an action is stopped, even inside the window.
                HostProcess.Result info = host.hvctl("info");
                assertThat(info.status()).as(kill.point() + ": hvctl info while stopped: " + info.err()).isZero();

                host.process.destroyForcibly(); // SIGKILL
                assertThat(host.process.waitFor(10, TimeUnit.SECONDS)).isTrue();
                assertThat(action.waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(action.exitValue()).as(kill.point() + ": " + Files.readString(out)).isNotZero();
                if (kill.happened()) {
                    applied = !applied;
                }
                previous = kill;
            }
        }
        try (HostProcess host = host(hostDir)) {
            assertBootedInto(host, previous, applied);
            HostProcess.Result r = host.hvctl("livepatch", "apply", NAME);
            assertThat(r.status()).as(r.out() + r.err()).isZero();
            assertThat(extraVersion(host)).isEqualTo(FIXED);
        }
    }

    /** The host booted after {@code killed} runs the payload exactly when the journal says it is applied. */
    private static void assertBootedInto(HostProcess host, Kill killed, boolean applied) throws Exception {
        String why = "booted after SIGKILL at " + killed.point();
        assertThat(state(host, NAME)).as(why).startsWith(applied ? "APPLIED" : "CHECKED");
        assertThat(extraVersion(host)).as(why).isEqualTo(applied ? FIXED : BASE);
        if (!killed.happened()) {
            assertThat(host.hvctl("dmesg").out()).as(why).contains("recovery: " + killed.action() + " " + NAME + " was interrupted");
        }
    }
}
