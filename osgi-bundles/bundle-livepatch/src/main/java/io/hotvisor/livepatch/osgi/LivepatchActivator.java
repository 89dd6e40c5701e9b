package io.hotvisor.livepatch.osgi;

import io.hotvisor.control.ControlCommand;
import io.hotvisor.patch.applier.AgentConfig;
import io.hotvisor.patch.applier.ClassRedefiner;
import io.hotvisor.patch.applier.LivepatchAgent;
import io.hotvisor.patch.applier.RecoveryReport;
import io.hotvisor.patch.applier.RunningBytes;
import io.hotvisor.patch.applier.health.ProgressCheck;
import io.hotvisor.patch.applier.health.ThreadCpuTimes;
import io.hotvisor.patch.applier.trampoline.RewovenRedefiner;
import io.hotvisor.patch.applier.trampoline.TrampolineRedefiner;
import io.hotvisor.patch.applier.trampoline.Trampolines;
import io.hotvisor.patch.applier.health.UncaughtExceptions;
import io.hotvisor.patch.format.BuildId;
import io.hotvisor.patch.format.LivepatchMechanism;
import io.hotvisor.patch.format.sign.TrustStore;
import io.hotvisor.runtime.control.HostCommands;
import io.hotvisor.runtime.domain.Domain;
import io.hotvisor.runtime.host.Host;
import io.hotvisor.runtime.rendezvous.Rendezvous;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.util.tracker.ServiceTracker;

import java.lang.instrument.Instrumentation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts the livepatch agent once the host is up: wires it to the JVM's {@link Instrumentation}
 * (from the launcher), the host's {@link Rendezvous}, the bundles' class loaders, the trust
 * directory and the state directory; re-applies the journal's applied stack before guests start;
 * and publishes the {@code livepatch.*} control commands.
 */
public final class LivepatchActivator implements BundleActivator {
    private static final System.Logger LOG = System.getLogger("hotvisor.livepatch");

    private ServiceTracker<Host, Host> hosts;
    private LivepatchAgent agent;
    private final List<ServiceRegistration<?>> registrations = new ArrayList<>();

    @Override
    public void start(BundleContext ctx) {
        hosts = new ServiceTracker<>(ctx, Host.class, null) {
            @Override
            public Host addingService(org.osgi.framework.ServiceReference<Host> ref) {
                Host host = ctx.getService(ref);
                try {
                    startAgent(ctx, host);
                } catch (Exception e) {
                    LOG.log(System.Logger.Level.ERROR, "livepatch agent did not start: " + e.getMessage(), e);
                }
                return host;
            }

            @Override
            public void removedService(org.osgi.framework.ServiceReference<Host> ref, Host host) {
                stopAgent();
                ctx.ungetService(ref);
            }
        };
        hosts.open();
    }

    private synchronized void startAgent(BundleContext ctx, Host host) throws Exception {
        var instRef = ctx.getServiceReference(Instrumentation.class);
        var buildRef = ctx.getServiceReference(HostCommands.Build.class);
        if (instRef == null || buildRef == null) {
            LOG.log(System.Logger.Level.ERROR, "livepatch disabled: the host was started without {0}",
                    instRef == null ? "an Instrumentation (start it with bin/hv host)" : "its build description");
            return;
        }
        Instrumentation inst = ctx.getService(instRef);
        BuildId buildId = BuildId.parse(ctx.getService(buildRef).buildId());
        Path state = Path.of(property(ctx, "hotvisor.state-dir", "state")).resolve("livepatch");
        Path trustDir = Path.of(property(ctx, "hotvisor.trust-dir", "etc/trust"));
        TrustStore trust = Files.isDirectory(trustDir) ? TrustStore.load(trustDir) : TrustStore.of(List.of());
        if (trust.keyIds().isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "no trusted keys in {0}: every payload will be refused", trustDir);
        }
        UncaughtExceptions uncaught = new UncaughtExceptions(t -> t.getName().startsWith("pcpu-") || t.getName().startsWith("control-"));
        uncaught.installAsDefault();
        // The scheduler is looked up on every check: a bundle update replaces it.
        // A pCPU is stuck only if its thread ran and still finished no slice; one the OS did not run,
        // or an idle core-scheduled sibling, is only a warning (ProgressCheck).
        ProgressCheck progress = new ProgressCheck("pCPU", () -> host.scheduler().pcpuStats().stream().mapToLong(s -> s.slices()).toArray(),
                new ThreadCpuTimes("pcpu-", host.config().topology().pcpus()),
                () -> host.domains().stream().anyMatch(Domain::schedulable) && busyEverywhere(host), Duration.ofSeconds(2));
        AgentConfig config = AgentConfig.defaults()
                .withHealthWatch(Duration.ofSeconds(Long.parseLong(property(ctx, "hotvisor.livepatch-health-window", "10"))),
                        Duration.ofMillis(100), List.of(uncaught, progress))
                .withTaints(host.taints())
                .withAfterBatch(host::invalidateTranslations)
                .withMechanism(trampolines(ctx) ? LivepatchMechanism.TRAMPOLINE : LivepatchMechanism.REDEFINE);
        String faultPoint = ctx.getProperty("hotvisor.livepatch-fault-point");
        if (faultPoint != null) {
            try {
                config = config.withFaultPoint(faultPoint);
                LOG.log(System.Logger.Level.WARNING, "livepatch fault point {0} armed: the first operator action to reach it"
                        + " stops there until the host is killed (fault-injection runs only)", faultPoint);
            } catch (IllegalArgumentException e) {
                LOG.log(System.Logger.Level.ERROR, "host config livepatch-fault-point ignored: {0}", e.getMessage());
            }
        }
        // Woven classes are redefined with woven bytes, so a redefinition keeps their trampoline prologues.
        ClassRedefiner jvm = new RewovenRedefiner(new ClassRedefiner.ForInstrumentation(inst));
        // livepatch-mechanism = trampoline: what a trampoline can carry is flipped, the rest redefined in the same pause.
        ClassRedefiner redefiner = config.mechanism() == LivepatchMechanism.TRAMPOLINE
                ? new TrampolineRedefiner(new Trampolines(inst), jvm) : jvm;
        agent = new LivepatchAgent(buildId, trust, state, redefiner,
                new OsgiClassLocator(ctx), host.rendezvous(), new RunningBytes.FromClassLoader(),
                Clock.systemUTC(), config);
        agent.bundleUpdater(new OsgiBundleUpdater(ctx, host));
        RecoveryReport recovered = agent.recover();
        LOG.log(System.Logger.Level.INFO, "livepatch agent ready (journal {0}): {1}", agent.journalFile(), recovered);
        for (ControlCommand c : LivepatchCommands.all(agent)) {
            registrations.add(ctx.registerService(ControlCommand.class, c, null));
        }
    }

    /** Progress is due on every pCPU only when there are at least as many runnable vCPUs as pCPUs. */
    private static boolean busyEverywhere(Host host) {
        long runnable = host.domains().stream().filter(Domain::schedulable).flatMap(d -> d.vcpus().stream())
                .filter(v -> v.state() == io.hotvisor.runtime.domain.Vcpu.State.RUNNABLE).count();
        return runnable >= host.config().topology().pcpus();
    }

    private synchronized void stopAgent() {
        registrations.forEach(ServiceRegistration::unregister);
        registrations.clear();
        if (agent != null) agent.close();
        agent = null;
    }

    @Override
    public void stop(BundleContext ctx) {
        if (hosts != null) hosts.close();
        stopAgent();
    }

    /** Whether the host runs with livepatch-mechanism = trampoline (its patchable bundles are woven). */
    static boolean trampolines(BundleContext ctx) {
        return "trampoline".equals(ctx.getProperty("hotvisor.livepatch-mechanism"));
    }

    private static String property(BundleContext ctx, String key, String fallback) {
        String v = ctx.getProperty(key);
        return v == null ? fallback : v;
    }
}
