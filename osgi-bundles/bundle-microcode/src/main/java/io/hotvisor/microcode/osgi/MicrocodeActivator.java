package io.hotvisor.microcode.osgi;

import io.hotvisor.microcode.CpuIdentity;
import io.hotvisor.microcode.load.CpuConfig;
import io.hotvisor.microcode.load.LateLoader;
import io.hotvisor.microcode.load.RevisionEffects;
import io.hotvisor.microcode.load.SimulatedCpus;
import io.hotvisor.microcode.control.UcodeLoadCommand;
import io.hotvisor.microcode.control.UcodeStatusCommand;
import io.hotvisor.control.ControlCommand;
import io.hotvisor.runtime.host.Host;
import io.hotvisor.runtime.sched.Topology;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.util.tracker.ServiceTracker;

import java.util.List;

/**
 * Gives the host's pCPUs their x86 identity and microcode: reads the CPU from the framework
 * properties {@code hotvisor.cpu-vendor}, {@code hotvisor.cpu-signature}, {@code hotvisor.cpu-platform-id}
 * and {@code hotvisor.cpu-microcode-revision} (refusing to start on a bad value), and once the
 * {@link Host} service is there (bundles start in file-name order, so it is tracked) builds one
 * simulated CPU per pCPU of its topology and publishes the {@code ucode.status} and
 * {@code ucode.load} control commands, which the host bundle puts on its control socket.
 */
public final class MicrocodeActivator implements BundleActivator {
    private static final System.Logger LOG = System.getLogger("hotvisor.microcode");

    private ServiceTracker<Host, List<ServiceRegistration<ControlCommand>>> hosts;

    @Override
    public void start(BundleContext ctx) {
        CpuIdentity boot = CpuConfig.parse(ctx.getProperty("hotvisor.cpu-vendor"), ctx.getProperty("hotvisor.cpu-signature"),
                ctx.getProperty("hotvisor.cpu-platform-id"), ctx.getProperty("hotvisor.cpu-microcode-revision"));
        hosts = new ServiceTracker<>(ctx, Host.class, null) {
            @Override
            public List<ServiceRegistration<ControlCommand>> addingService(ServiceReference<Host> ref) {
                Host host = ctx.getService(ref);
                Topology t = host.config().topology();
                SimulatedCpus cpus = new SimulatedCpus(t.cores(), t.threadsPerCore(), boot, RevisionEffects.SIMULATED);
                LateLoader loader = new LateLoader(cpus, host.rendezvous());
                LOG.log(System.Logger.Level.INFO, "microcode: {0} pCPUs ({1}): {2} signature {3}, platform id {4}, revision 0x{5}; features {6}",
                        cpus.pcpus(), t, boot.vendor(), boot.signature(), boot.platformId(),
                        Integer.toHexString(boot.revision()), cpus.features(0));
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
        hosts.open();
    }

    @Override
    public void stop(BundleContext ctx) {
        if (hosts != null) hosts.close();
    }
}
