package io.hotvisor.microcode.osgi;

import io.hotvisor.microcode.CpuIdentity;
import io.hotvisor.microcode.journal.JournalException;
import io.hotvisor.microcode.journal.MicrocodeJournal;
import io.hotvisor.microcode.load.CpuConfig;
import io.hotvisor.microcode.load.LateLoadException;
import io.hotvisor.microcode.load.LateLoader;
import io.hotvisor.microcode.load.LoadResult;
import io.hotvisor.microcode.load.RevisionEffects;
import io.hotvisor.microcode.load.SimulatedCpus;
import io.hotvisor.microcode.control.UcodeLoadCommand;
import io.hotvisor.microcode.control.UcodeStatusCommand;
import io.hotvisor.microcode.policy.AmdPatchDigests;
import io.hotvisor.microcode.policy.LatePolicy;
import io.hotvisor.control.ControlCommand;
import io.hotvisor.runtime.host.Host;
import io.hotvisor.runtime.sched.Topology;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.util.tracker.ServiceTracker;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * Gives the host's pCPUs their x86 identity and microcode: reads the CPU from the framework
 * properties {@code hotvisor.cpu-vendor}, {@code hotvisor.cpu-signature}, {@code hotvisor.cpu-platform-id}
 * and {@code hotvisor.cpu-microcode-revision} (refusing to start on a bad value), and once the
 * {@link Host} service is there (bundles start in file-name order, so it is tracked) builds one
 * simulated CPU per pCPU of its topology, loads again the microcode the journal
 * ({@code STATE/microcode}) says was late-loaded, and only then publishes the {@code ucode.status}
 * and {@code ucode.load} control commands, which the host bundle puts on its control socket.
 *
 * <p>When the journal cannot be trusted, or the file it names is gone or changed, or no longer
 * loads, the host must not run on microcode other than what its operator loaded: the bundle does
 * not start (the launcher then exits with that one line), or, when the host service came later,
 * the framework is stopped.
 */
public final class MicrocodeActivator implements BundleActivator {
    private static final System.Logger LOG = System.getLogger("hotvisor.microcode");

    private ServiceTracker<Host, List<ServiceRegistration<ControlCommand>>> hosts;
    private volatile boolean starting;
    private volatile String bootFailure;

    @Override
    public void start(BundleContext ctx) throws BundleException {
        CpuIdentity boot = CpuConfig.parse(ctx.getProperty("hotvisor.cpu-vendor"), ctx.getProperty("hotvisor.cpu-signature"),
                ctx.getProperty("hotvisor.cpu-platform-id"), ctx.getProperty("hotvisor.cpu-microcode-revision"));
        boolean forceMinRev = CpuConfig.parseBoolean("microcode-force-minrev", ctx.getProperty("hotvisor.microcode-force-minrev"));
        LatePolicy policy = new LatePolicy(forceMinRev, AmdPatchDigests.linux());
        MicrocodeJournal journal = new MicrocodeJournal(Path.of(property(ctx, "hotvisor.state-dir", "state")).resolve("microcode"));
        hosts = new ServiceTracker<>(ctx, Host.class, null) {
            @Override
            public List<ServiceRegistration<ControlCommand>> addingService(ServiceReference<Host> ref) {
                Host host = ctx.getService(ref);
                Topology t = host.config().topology();
                SimulatedCpus cpus = new SimulatedCpus(t.cores(), t.threadsPerCore(), boot, RevisionEffects.SIMULATED);
                LateLoader loader = new LateLoader(cpus, host.rendezvous(), policy,
                        Optional.of(journal), host.taints(), Clock.systemUTC());
                LOG.log(System.Logger.Level.INFO, "microcode: {0} pCPUs ({1}): {2} signature {3}, platform id {4}, revision 0x{5}; features {6}",
                        cpus.pcpus(), t, boot.vendor(), boot.signature(), boot.platformId(),
                        Integer.toHexString(boot.revision()), cpus.features(0));
                try {
                    Optional<LoadResult> again = loader.reapply();
                    again.ifPresent(r -> LOG.log(System.Logger.Level.INFO, "microcode: the journal''s last load re-applied"
                            + " at boot to every pCPU ({0})", journal.file()));
                } catch (JournalException | LateLoadException e) {
                    refuseToRun(ctx, "microcode: the host will not start: " + e.getMessage() + "; restore the file, or remove "
                            + journal.file() + " to boot with the configured revision");
                    ctx.ungetService(ref);
                    return null;
                }
                return List.of(
                        ctx.registerService(ControlCommand.class, new UcodeStatusCommand(cpus), null),
                        ctx.registerService(ControlCommand.class, new UcodeLoadCommand(loader), null));
            }

            @Override
            public void removedService(ServiceReference<Host> ref, List<ServiceRegistration<ControlCommand>> regs) {
                for (ServiceRegistration<ControlCommand> r : regs) {
                    try {
                        r.unregister();
                    } catch (IllegalStateException alreadyGone) {
                        // the framework is stopping
                    }
                }
                ctx.ungetService(ref);
            }
        };
        starting = true;
        try {
            hosts.open();
        } finally {
            starting = false;
        }
        if (bootFailure != null) {
            hosts.close();
            throw new BundleException(bootFailure);
        }
    }

    /** During start the bundle refuses to start; later, the whole framework is stopped. */
    private void refuseToRun(BundleContext ctx, String message) {
        LOG.log(System.Logger.Level.ERROR, message);
        if (starting) {
            bootFailure = message;
            return;
        }
        try {
            ctx.getBundle(0).stop();
        } catch (BundleException | RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "microcode: could not stop the framework: " + e);
        }
    }

    @Override
    public void stop(BundleContext ctx) {
        if (hosts != null) hosts.close();
    }

    private static String property(BundleContext ctx, String key, String fallback) {
        String v = ctx.getProperty(key);
        return v == null ? fallback : v;
    }
}
