package io.hotvisor.launcher;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;

import java.io.IOException;
import java.lang.instrument.Instrumentation;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Stream;

/**
 * Boots a Hotvisor host: reads the host config, takes the state directory's lock, starts an
 * embedded Apache Felix with its cache in the state directory, installs and starts every bundle of
 * the distribution's {@code bundles/} folder, and runs until the framework stops (an
 * {@code hvctl shutdown}, or SIGTERM/SIGINT).
 *
 * <p>It is also the JVM's {@code Launcher-Agent-Class}: started with {@code java -jar}, the JVM
 * hands it an {@link Instrumentation} before {@code main}, which it publishes as an OSGi service
 * for the livepatch agent. No dynamic attach is needed.
 *
 * <p>Exit status: 0 after a clean stop; 1 when the host cannot start (one line says why).
 */
public final class HostLauncher {
    /** Declared by a bundle that registers a weaving hook (io.hotvisor.trampoline): started before all others. */
    static final String WEAVING_HOOK_HEADER = "Hotvisor-Weaving-Hook";
    /** The service property, on a Runnable registered once every bundle has started, that the host bundle waits for. */
    static final String BOOT_COMPLETE = "hotvisor.boot-complete";

    private static volatile Instrumentation instrumentation;

    private HostLauncher() {}

    /** Called by the JVM before {@code main} because of the {@code Launcher-Agent-Class} attribute. */
    public static void agentmain(String args, Instrumentation inst) {
        instrumentation = inst;
    }

    public static void main(String[] args) {
        Path config = Path.of(args.length > 0 ? args[0] : "etc/host.cfg");
        try {
            System.exit(run(config));
        } catch (LaunchException e) {
            System.err.println("hv: error: " + e.getMessage());
            System.exit(1);
        }
    }

    static int run(Path configFile) throws LaunchException {
        HostConfigFile cfg = HostConfigFile.read(configFile);
        Path state = cfg.path("state-dir");
        try {
            Files.createDirectories(state);
        } catch (IOException e) {
            throw new LaunchException("cannot create state directory " + state + ": " + e.getMessage());
        }
        try (FileChannel lockFile = FileChannel.open(state.resolve("host.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
            FileLock lock = lockFile.tryLock();
            if (lock == null) {
                String holder = new String(Files.readAllBytes(state.resolve("host.lock")), StandardCharsets.UTF_8).strip();
                throw new LaunchException("state directory " + state + " is held by another running host"
                        + (holder.isEmpty() ? "" : " (pid " + holder + ")") + "; stop it first or give this host its own state-dir");
            }
            lockFile.truncate(0);
            lockFile.write(java.nio.ByteBuffer.wrap(String.valueOf(ProcessHandle.current().pid()).getBytes(StandardCharsets.UTF_8)));
            lockFile.force(true);
            return runFramework(cfg, state);
        } catch (IOException e) {
            throw new LaunchException("cannot lock state directory " + state + ": " + e.getMessage());
        }
    }

    private static int runFramework(HostConfigFile cfg, Path state) throws LaunchException {
        Map<String, String> props = new HashMap<>();
        props.put(Constants.FRAMEWORK_STORAGE, state.resolve("felix-cache").toString());
        props.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        props.put("hotvisor.topology", cfg.get("topology"));
        props.put("hotvisor.sched-gran", cfg.get("sched-gran"));
        props.put("hotvisor.engine", cfg.get("engine"));
        props.put("hotvisor.slice", cfg.get("slice"));
        props.put("hotvisor.log-console", cfg.get("log-console"));
        props.put("hotvisor.rendezvous-ipi", cfg.get("rendezvous-ipi"));
        for (String key : List.of("livepatch-health-window", "livepatch-fault-point")) {
            if (cfg.get(key) != null) props.put("hotvisor." + key, cfg.get(key));
        }
        if (cfg.get("boot-domains") != null) {
            props.put("hotvisor.boot-domains", String.join(java.io.File.pathSeparator, cfg.paths("boot-domains").stream().map(Path::toString).toList()));
        }
        // trampoline by default: the patchable bundles are woven, and what a trampoline carries is flipped.
        String mechanism = cfg.get("livepatch-mechanism") == null ? "trampoline" : cfg.get("livepatch-mechanism");
        if (!mechanism.equals("trampoline") && !mechanism.equals("redefine")) {
            throw new LaunchException("livepatch-mechanism must be trampoline or redefine, not '" + mechanism + "'");
        }
        props.put("hotvisor.livepatch-mechanism", mechanism);
        for (String key : List.of("cpu-vendor", "cpu-signature", "cpu-platform-id", "cpu-microcode-revision", "microcode-force-minrev")) {
            props.put("hotvisor." + key, cfg.get(key));
        }
        props.put("hotvisor.state-dir", state.toString());
        props.put("hotvisor.trust-dir", cfg.path("trust-dir").toString());
        props.put("hotvisor.control-socket", cfg.path("control-socket").toString());
        Path dist = distributionRoot();
        if (dist != null) props.put("hotvisor.build-info", dist.resolve("build-info.json").toString());
        FrameworkFactory factory = ServiceLoader.load(FrameworkFactory.class).findFirst()
                .orElseThrow(() -> new LaunchException("no OSGi framework on the class path; the distribution is incomplete"));
        Framework framework = factory.newFramework(props);
        Thread hook = new Thread(() -> stopQuietly(framework), "host-stop");
        try {
            framework.init();
            BundleContext ctx = framework.getBundleContext();
            if (instrumentation != null) ctx.registerService(Instrumentation.class, instrumentation, null);
            List<Bundle> installed = new ArrayList<>();
            Path bundleDir = cfg.get("bundles-dir") != null ? cfg.path("bundles-dir")
                    : dist != null ? dist.resolve("bundles") : cfg.base().resolve("bundles");
            for (Path jar : bundles(bundleDir)) {
                installed.add(ctx.installBundle(jar.toUri().toString()));
            }
            framework.start();
            Runtime.getRuntime().addShutdownHook(hook);
            // A weaving hook sees only classes loaded after it registers: its bundle starts first.
            installed.sort(Comparator.comparing(b -> b.getHeaders().get(WEAVING_HOOK_HEADER) == null));
            for (Bundle b : installed) {
                if (b.getHeaders().get(Constants.FRAGMENT_HOST) == null) b.start();
            }
            // Every bundle has started (journal replayed, microcode re-loaded): the host may start its
            // boot domains and open its control socket.
            ctx.registerService(Runnable.class, () -> { }, new java.util.Hashtable<>(Map.of(BOOT_COMPLETE, "true")));
        } catch (BundleException e) {
            stopQuietly(framework);
            throw new LaunchException("the host did not start: " + e.getMessage()
                    + (e.getCause() != null ? " (" + e.getCause() + ")" : ""));
        }
        try {
            framework.waitForStop(0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook itself is stopping the framework
        }
        return 0;
    }

    /** The distribution this launcher runs from ({@code lib/host/launcher.jar} is two folders down), or null. */
    private static Path distributionRoot() {
        try {
            Path jar = Path.of(HostLauncher.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path root = jar.getParent() == null || jar.getParent().getParent() == null ? null : jar.getParent().getParent().getParent();
            return root != null && Files.isDirectory(root.resolve("bundles")) ? root : null;
        } catch (java.net.URISyntaxException | RuntimeException e) {
            return null;
        }
    }

    private static List<Path> bundles(Path dir) throws LaunchException {
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> jars = s.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
            if (jars.isEmpty()) throw new LaunchException("no bundles in " + dir);
            return jars;
        } catch (IOException e) {
            throw new LaunchException("cannot list bundles in " + dir + ": " + e.getMessage());
        }
    }

    private static void stopQuietly(Framework framework) {
        try {
            framework.stop();
            framework.waitForStop(10_000);
        } catch (BundleException | InterruptedException ignored) {
            // stopping anyway
        }
    }
}
