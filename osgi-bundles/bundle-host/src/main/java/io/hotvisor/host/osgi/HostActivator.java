package io.hotvisor.host.osgi;

import io.hotvisor.patch.format.BuildId;
import io.hotvisor.patch.format.ClassImage;
import io.hotvisor.control.ControlCommand;
import io.hotvisor.control.Taints;
import io.hotvisor.runtime.control.AuditTrail;
import io.hotvisor.runtime.control.ControlServer;
import io.hotvisor.runtime.control.HostCommands;
import io.hotvisor.runtime.control.LogRing;
import io.hotvisor.runtime.control.PeerCredentials;
import io.hotvisor.runtime.host.BootDomains;
import io.hotvisor.runtime.host.Engine;
import io.hotvisor.runtime.host.Host;
import io.hotvisor.runtime.host.HostConfig;
import io.hotvisor.runtime.rendezvous.Rendezvous;
import io.hotvisor.runtime.sched.SchedGran;
import io.hotvisor.runtime.sched.SchedulerFactory;
import io.hotvisor.runtime.sched.Topology;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.util.tracker.ServiceTracker;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Starts the hypervisor inside the framework: builds the {@link Host} from the launcher's
 * configuration (framework properties {@code hotvisor.*}), publishes it, its {@link Rendezvous} and
 * the {@link ControlServer} as OSGi services, serves the control socket, and adds every
 * {@link ControlCommand} service other bundles publish (the livepatch agent's, microcode's).
 */
public final class HostActivator implements BundleActivator {
    private static final System.Logger LOG = System.getLogger("hotvisor.host");
    /** Bundles whose classes make up the hypervisor build (and its build-id). */
    static final String HYPERVISOR_BUNDLE_PREFIX = "io.hotvisor.";

    private Host host;
    private ControlServer control;
    private AuditTrail audit;
    private org.osgi.framework.ServiceListener bootComplete;
    private boolean booted;
    /** The launcher's service property that says every bundle has started. */
    public static final String BOOT_COMPLETE = "hotvisor.boot-complete";
    private LogRing log;
    private ServiceTracker<ControlCommand, ControlCommand> commands;
    private final List<ServiceRegistration<?>> registrations = new ArrayList<>();

    /**
     * The factory of the scheduler bundle: the one bundle whose manifest names a factory in the
     * {@link SchedulerFactory#MANIFEST_HEADER} header. The host reaches the implementation only
     * through it, so no package of that bundle is wired to any other and a bundle update can
     * replace it alone.
     */
    static SchedulerFactory schedulerFactory(BundleContext ctx) {
        for (org.osgi.framework.Bundle b : ctx.getBundles()) {
            String factory = b.getHeaders().get(SchedulerFactory.MANIFEST_HEADER);
            if (factory != null) {
                return SchedulerFactory.load(factory, b::loadClass);
            }
        }
        throw new IllegalStateException("no scheduler bundle: no bundle has a " + SchedulerFactory.MANIFEST_HEADER
                + " manifest header; is io.hotvisor.runtime.sched.credit2 in the bundles folder?");
    }

    @Override
    public void start(BundleContext ctx) throws Exception {
        log = new LogRing();
        java.util.logging.Logger.getLogger("").addHandler(log);
        HostConfig config = HostConfig.defaults()
                .withTopology(Topology.parse(property(ctx, "hotvisor.topology", "2x2")))
                .withSchedGran(SchedGran.parse(property(ctx, "hotvisor.sched-gran", "cpu")))
                .withEngine(Engine.parse(property(ctx, "hotvisor.engine", "interpreter")))
                .withSlice(Long.parseLong(property(ctx, "hotvisor.slice", String.valueOf(HostConfig.DEFAULT_SLICE))))
                .withLogConsole(Boolean.parseBoolean(property(ctx, "hotvisor.log-console", "true")))
                .withRendezvousIpi(Boolean.parseBoolean(property(ctx, "hotvisor.rendezvous-ipi", "true")));
        host = new Host(config, schedulerFactory(ctx)).start();
        String buildId = buildId(ctx);
        LOG.log(System.Logger.Level.INFO, "hypervisor build-id {0}", buildId);
        JsonNode buildInfo = buildInfo(ctx, buildId);
        HostCommands.Build build = new HostCommands.Build(buildId, List.of(), buildInfo);
        control = new ControlServer(Path.of(property(ctx, "hotvisor.control-socket", "state/control.sock")), PeerCredentials.KERNEL);
        HostCommands.register(control, host, () -> new HostCommands.Build(buildId, bundles(ctx), buildInfo), log, () -> stopFramework(ctx));
        audit = AuditTrail.open(Path.of(property(ctx, "hotvisor.state-dir", "state")), Clock.systemUTC(),
                why -> host.taints().set(Taints.Flag.DEGRADED, "audit: " + why));
        HostCommands.registerAudit(control, audit);
        registrations.add(ctx.registerService(Host.class, host, null));
        registrations.add(ctx.registerService(Rendezvous.class, host.rendezvous(), null));
        registrations.add(ctx.registerService(ControlServer.class, control, null));
        registrations.add(ctx.registerService(HostCommands.Build.class, build, null));
        commands = new ServiceTracker<>(ctx, ControlCommand.class, null) {
            @Override
            public ControlCommand addingService(ServiceReference<ControlCommand> ref) {
                ControlCommand c = ctx.getService(ref);
                control.register(c);
                return c;
            }

            @Override
            public void removedService(ServiceReference<ControlCommand> ref, ControlCommand c) {
                control.unregister(c.name());
                ctx.ungetService(ref);
            }
        };
        commands.open();
        finishBootWhenComplete(ctx);
    }

    /**
     * The launcher registers a {@link #BOOT_COMPLETE} service once every bundle has started: the
     * livepatch journal has re-applied the applied stack and microcode is re-loaded by then. Only then
     * are the boot domains started, and only after them does the control socket open, so that a
     * client's first answer already shows them. A host bundle started again later (a refresh) finds
     * the service there and finishes at once.
     */
    private void finishBootWhenComplete(BundleContext ctx) throws Exception {
        String filter = "(&(" + org.osgi.framework.Constants.OBJECTCLASS + "=" + Runnable.class.getName() + ")(" + BOOT_COMPLETE + "=true))";
        bootComplete = event -> {
            if (event.getType() == org.osgi.framework.ServiceEvent.REGISTERED) finishBoot(ctx);
        };
        ctx.addServiceListener(bootComplete, filter);
        if (ctx.getServiceReferences(Runnable.class.getName(), "(" + BOOT_COMPLETE + "=true)") != null) {
            finishBoot(ctx);
        }
    }

    private synchronized void finishBoot(BundleContext ctx) {
        if (booted || control == null) return;
        booted = true;
        String configs = ctx.getProperty("hotvisor.boot-domains");
        if (configs != null && !configs.isBlank()) {
            List<BootDomains.Outcome> outcomes = BootDomains.start(host,
                    java.util.Arrays.stream(configs.split(java.io.File.pathSeparator)).map(Path::of).toList());
            long failed = outcomes.stream().filter(o -> !o.started()).count();
            LOG.log(failed == 0 ? System.Logger.Level.INFO : System.Logger.Level.ERROR, "boot domains: {0} started, {1} failed",
                    outcomes.size() - failed, failed);
        }
        try {
            control.start();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.ERROR, "the control socket " + control.socket() + " cannot be opened: " + e.getMessage()
                    + "; nobody can control this host: stopping it", e);
            stopFramework(ctx);
        }
    }

    @Override
    public void stop(BundleContext ctx) throws Exception {
        if (bootComplete != null) ctx.removeServiceListener(bootComplete);
        if (commands != null) commands.close();
        registrations.forEach(ServiceRegistration::unregister);
        registrations.clear();
        if (control != null) control.close();
        if (audit != null) audit.close();
        if (host != null) host.close();
        java.util.logging.Logger.getLogger("").removeHandler(log);
        LOG.log(System.Logger.Level.INFO, "host stopped");
    }

    private static void stopFramework(BundleContext ctx) {
        try {
            ctx.getBundle(0).stop();
        } catch (Exception e) {
            LOG.log(System.Logger.Level.ERROR, "could not stop the framework", e);
        }
    }

    private static String property(BundleContext ctx, String key, String fallback) {
        String v = ctx.getProperty(key);
        return v == null ? fallback : v;
    }

    /** The running build's id: every class of every Hotvisor bundle, hashed as patch-format specifies. */
    static String buildId(BundleContext ctx) throws IOException {
        List<ClassImage> classes = new ArrayList<>();
        for (Bundle b : ctx.getBundles()) {
            String name = b.getSymbolicName();
            if (name == null || !name.startsWith(HYPERVISOR_BUNDLE_PREFIX)) continue;
            Enumeration<URL> entries = b.findEntries("/", "*.class", true);
            for (URL url : entries == null ? Collections.<URL>emptyList() : Collections.list(entries)) {
                String path = url.getPath().substring(1);
                if (path.startsWith("META-INF/")) continue;
                try (InputStream in = url.openStream()) {
                    String className = path.substring(0, path.length() - ".class".length()).replace('/', '.');
                    classes.add(new ClassImage(name, b.getVersion().toString(), className, in.readAllBytes()));
                }
            }
        }
        return BuildId.compute(classes).hex();
    }

    /**
     * The distribution's build-info document, served by {@code hvctl info --json} so that
     * {@code hvpatch build} can target a running host. A document whose build-id differs from the
     * running one describes some other build: it is logged and not served.
     */
    static JsonNode buildInfo(BundleContext ctx, String runningBuildId) {
        String file = ctx.getProperty("hotvisor.build-info");
        if (file == null || !Files.isRegularFile(Path.of(file))) return null;
        try {
            JsonNode doc = new ObjectMapper().readTree(Files.readAllBytes(Path.of(file)));
            String id = doc.path("build-id").asText();
            if (!id.equals(runningBuildId)) {
                LOG.log(System.Logger.Level.WARNING, "{0} describes build {1}, not the running build {2}; not serving it", file, id, runningBuildId);
                return null;
            }
            return doc;
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot read {0}: {1}", file, e.getMessage());
            return null;
        }
    }

    /** Every bundle of the framework with its symbolic name, version and state, for hvctl info/bundles. */
    static List<Map<String, String>> bundles(BundleContext ctx) {
        List<Map<String, String>> bundles = new ArrayList<>();
        for (Bundle b : ctx.getBundles()) {
            Map<String, String> row = new LinkedHashMap<>();
            row.put("symbolicName", b.getSymbolicName());
            row.put("version", b.getVersion().toString());
            row.put("state", state(b.getState()));
            bundles.add(row);
        }
        return bundles;
    }

    private static String state(int s) {
        return switch (s) {
            case Bundle.ACTIVE -> "active";
            case Bundle.RESOLVED -> "resolved";
            case Bundle.STARTING -> "starting";
            case Bundle.STOPPING -> "stopping";
            case Bundle.INSTALLED -> "installed";
            default -> "uninstalled";
        };
    }
}
