package io.hotvisor.livepatch.osgi;

import io.hotvisor.patch.applier.BundleUpdater;
import io.hotvisor.patch.applier.ErrorCode;
import io.hotvisor.patch.applier.LivepatchException;
import io.hotvisor.runtime.host.Host;
import io.hotvisor.runtime.sched.SchedulerFactory;
import io.hotvisor.runtime.state.ImportReport;
import io.hotvisor.runtime.state.StateTransferException;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.wiring.FrameworkWiring;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Bundle updates inside the host: the scheduler bundle (the one whose manifest names a
 * {@link SchedulerFactory} in {@link SchedulerFactory#MANIFEST_HEADER}) is replaced with Felix while
 * the host's scheduler is handed over with its state.
 *
 * <p>The sequence, all while no pCPU runs: {@link Host#beginSchedulerHandover()} stops the pCPU
 * threads and exports the scheduler's state; {@code Bundle.update} installs the new jar and
 * {@code FrameworkWiring.refreshBundles} of that bundle alone drops the old revision (no other
 * bundle is wired to it: the host reaches it through the factory header only, so nothing else
 * restarts); the new revision's factory makes a scheduler that imports the state and starts. If any
 * step fails, the previous jar goes back the same way and takes the same state; if even that fails,
 * the old scheduler object resumes as it was.
 */
final class OsgiBundleUpdater implements BundleUpdater {
    private static final System.Logger LOG = System.getLogger("hotvisor.livepatch");
    private static final long REFRESH_SECONDS = 30;

    private final BundleContext ctx;
    private final Host host;
    /** By bundle id: the jar an update installed last (Felix does not give a revision's bytes back). */
    private final Map<Long, byte[]> lastInstalled = new ConcurrentHashMap<>();

    OsgiBundleUpdater(BundleContext ctx, Host host) {
        this.ctx = ctx;
        this.host = host;
    }

    @Override
    public Optional<String> version(String symbolicName) {
        return bundle(symbolicName).map(b -> b.getVersion().toString());
    }

    @Override
    public boolean replaceable(String symbolicName) {
        return bundle(symbolicName).map(b -> b.getHeaders().get(SchedulerFactory.MANIFEST_HEADER) != null).orElse(false);
    }

    @Override
    public Result update(String symbolicName, String fromVersion, byte[] jar) throws LivepatchException {
        Bundle bundle = bundle(symbolicName).orElseThrow(() -> new LivepatchException(ErrorCode.CLASS_NOT_FOUND,
                "bundle " + symbolicName + " is not installed"));
        if (!bundle.getVersion().toString().equals(fromVersion)) {
            throw new LivepatchException(ErrorCode.EXPECTATION, "bundle " + symbolicName + " runs version "
                    + bundle.getVersion() + ", not " + fromVersion);
        }
        byte[] previous = currentJar(bundle);
        long start = System.nanoTime();
        Host.SchedulerHandover handover;
        try {
            handover = host.beginSchedulerHandover();
        } catch (StateTransferException e) {
            throw new LivepatchException(ErrorCode.APPLY_FAILED, "bundle " + symbolicName + ": the scheduler cannot hand over "
                    + "its state (" + e.getMessage() + "); nothing changed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LivepatchException(ErrorCode.APPLY_FAILED, "interrupted while stopping the scheduler; nothing changed", e);
        }
        try (handover) {
            try {
                install(bundle, jar);
                ImportReport report = handover.complete(factory(bundle));
                lastInstalled.put(bundle.getBundleId(), jar.clone());
                long window = System.nanoTime() - start;
                return new Result(previous, classCount(jar), handover.quiesceNanos(), window, handover.pauseNanos(), describe(report));
            } catch (Exception | LinkageError failure) {
                String why = failure instanceof StateTransferException s ? s.getMessage() : failure.toString();
                LOG.log(System.Logger.Level.WARNING, "bundle update of {0} failed ({1}); putting {2} back", symbolicName, why, fromVersion);
                try {
                    install(bundle, previous);
                    handover.complete(factory(bundle));
                    lastInstalled.put(bundle.getBundleId(), previous);
                } catch (Exception | LinkageError rollback) {
                    handover.resumeOld();
                    throw new LivepatchException(ErrorCode.INCONSISTENT, "bundle " + symbolicName + ": the update failed (" + why
                            + ") and putting " + fromVersion + " back failed too (" + rollback + "); the old scheduler resumed as it was,"
                            + " but the framework's bundle may be in an unknown state: restart the host", rollback);
                }
                throw new LivepatchException(ErrorCode.APPLY_FAILED, "bundle " + symbolicName + ": " + why + "; rolled back to "
                        + fromVersion + " with the exported state, guests paused " + String.format("%.1f ms", handover.pauseNanos() / 1e6), failure);
            }
        }
    }

    private static int classCount(byte[] jar) {
        int n = 0;
        try (java.util.zip.ZipInputStream in = new java.util.zip.ZipInputStream(new ByteArrayInputStream(jar))) {
            for (java.util.zip.ZipEntry e; (e = in.getNextEntry()) != null; ) {
                if (e.getName().endsWith(".class")) n++;
            }
        } catch (IOException e) {
            return 0; // only a figure for the report: the framework has read the jar already
        }
        return n;
    }

    private static String describe(ImportReport report) {
        return "state " + report.subsystem() + " v" + report.fromVersion() + " imported as v" + report.toVersion()
                + (report.skipped().isEmpty() ? "" : ", skipped " + report.skipped());
    }

    /** Updates the bundle to {@code jar} and refreshes it alone, waiting for the refresh to finish. */
    private void install(Bundle bundle, byte[] jar) throws BundleException, InterruptedException, TimeoutException {
        try (InputStream in = new ByteArrayInputStream(jar)) {
            bundle.update(in);
        } catch (IOException e) {
            throw new BundleException("cannot read the jar: " + e.getMessage(), e);
        }
        CompletableFuture<FrameworkEvent> refreshed = new CompletableFuture<>();
        ctx.getBundle(0).adapt(FrameworkWiring.class).refreshBundles(List.of(bundle), refreshed::complete);
        FrameworkEvent event;
        try {
            event = refreshed.get(REFRESH_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new BundleException("the refresh failed: " + e.getCause(), e.getCause());
        }
        if (event.getType() == FrameworkEvent.ERROR) {
            throw new BundleException("the refresh failed: " + event.getThrowable(), event.getThrowable());
        }
        if (bundle.getState() != Bundle.ACTIVE) {
            bundle.start();
        }
    }

    private static SchedulerFactory factory(Bundle bundle) {
        String name = bundle.getHeaders().get(SchedulerFactory.MANIFEST_HEADER);
        if (name == null) {
            throw new IllegalStateException("bundle " + bundle.getSymbolicName() + " " + bundle.getVersion()
                    + " has no " + SchedulerFactory.MANIFEST_HEADER + " header");
        }
        return SchedulerFactory.load(name, bundle::loadClass);
    }

    /**
     * The bytes of the jar the bundle runs now: the file it was installed from, or the jar a
     * previous update gave it (Felix keeps it as the revision's content; read back from its entries'
     * location is not possible, so an updated bundle's bytes are remembered here).
     */
    private byte[] currentJar(Bundle bundle) throws LivepatchException {
        byte[] remembered = lastInstalled.get(bundle.getBundleId());
        if (remembered != null) {
            return remembered;
        }
        try {
            return Files.readAllBytes(Path.of(URI.create(bundle.getLocation())));
        } catch (IOException | IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
            throw new LivepatchException(ErrorCode.IO_ERROR, "cannot read the jar of bundle " + bundle.getSymbolicName()
                    + " from " + bundle.getLocation() + ": " + e.getMessage(), e);
        }
    }

    private Optional<Bundle> bundle(String symbolicName) {
        for (Bundle b : ctx.getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                return Optional.of(b);
            }
        }
        return Optional.empty();
    }
}
