package io.hotvisor.patch.applier;

import io.hotvisor.control.Taints;
import io.hotvisor.patch.format.BuildId;
import io.hotvisor.runtime.host.Host;
import io.hotvisor.runtime.host.HostConfig;
import io.hotvisor.stopmachine.StopMachine;

import net.bytebuddy.agent.ByteBuddyAgent;

import java.lang.instrument.Instrumentation;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A livepatch agent wired to real parts: the JVM's own Instrumentation (self-attached by Byte
 * Buddy), a real hv-runtime host's rendezvous (four idle pCPUs unless a test boots guests), the
 * fixture bundle's fresh class loader, and a state directory of the test's.
 */
final class Harness implements AutoCloseable {
    static final Instrumentation INSTRUMENTATION = ByteBuddyAgent.install();
    /** One idle host for the whole test JVM: its rendezvous is what the agent quiesces. */
    private static Host sharedHost;

    final FixtureBundle bundle;
    final LivepatchAgent agent;
    final Path stateDir;
    final List<LivepatchEvent> events = Collections.synchronizedList(new ArrayList<>());
    /** The taint flags the agent sets (the host's, in a real host). */
    final Taints taints;

    Harness(Path stateDir) throws LivepatchException {
        this(stateDir, config(), sharedHost().rendezvous());
    }

    Harness(Path stateDir, AgentConfig config, StopMachine stopMachine) throws LivepatchException {
        this(stateDir, config, stopMachine, FixtureBundle.load());
    }

    Harness(Path stateDir, AgentConfig config, StopMachine stopMachine, FixtureBundle bundle) throws LivepatchException {
        this(stateDir, config, stopMachine, bundle, FixtureBundle.hostBuildId());
    }

    Harness(Path stateDir, AgentConfig config, StopMachine stopMachine, FixtureBundle bundle, BuildId hostBuildId)
            throws LivepatchException {
        this.bundle = bundle;
        this.stateDir = stateDir;
        this.taints = config.taints();
        this.agent = new LivepatchAgent(hostBuildId, Payloads.TRUST, stateDir,
                new ClassRedefiner.ForInstrumentation(INSTRUMENTATION), bundle.locator(), stopMachine,
                new RunningBytes.FromClassLoader(), Clock.systemUTC(), config.withEvents(events::add));
        HookCalls.reset();
    }

    /**
     * Tests use a 2 s rendezvous timeout, not Xen's 30 ms: the build machine is shared, and only
     * the timeout test wants a timeout. No health watch unless a test asks.
     */
    static AgentConfig config() {
        return AgentConfig.defaults().withRendezvousTimeout(Duration.ofSeconds(2))
                .withHealthWatch(Duration.ZERO, Duration.ofMillis(50), List.of());
    }

    static synchronized Host sharedHost() {
        if (sharedHost == null) {
            sharedHost = new Host(HostConfig.defaults().withLogConsole(false)).start();
        }
        return sharedHost;
    }

    /** A fresh agent on the shared host's rendezvous, for a host restarted on {@code stateDir}. */
    static Harness restarted(Path stateDir, BuildId hostBuildId) throws LivepatchException {
        return new Harness(stateDir, config(), sharedHost().rendezvous(),
                FixtureBundle.load(), hostBuildId);
    }

    String greet() {
        return (String) bundle.call("fix.Greeter", "greet");
    }

    @Override
    public void close() {
        HookCalls.reset();
        agent.close();
    }
}
