package io.hotvisor.patch.applier;

import io.hotvisor.patch.applier.health.AutoRevert;
import io.hotvisor.patch.format.manifest.BundleEntry;
import io.hotvisor.patch.format.manifest.ClassEntry;
import io.hotvisor.patch.format.manifest.Manifest;

import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The bundle-update mechanism: the pCPUs stop, the bundle's state is exported, Felix replaces and
 * refreshes that one bundle, the new version imports the state, the pCPUs start again
 * ({@link BundleUpdater}); a revert puts the previous jar back the same way. Refused while a
 * payload of the stack redefines classes of that bundle, which the new jar would silently drop.
 */
final class BundleUpdateAction implements Action {
    private final PayloadTable table;
    private final AutoRevert autoRevert;
    private final Clock clock;
    private final Events events;
    /** Null until the host provides one: bundle-update payloads are then refused at upload. */
    private volatile BundleUpdater updater;

    BundleUpdateAction(PayloadTable table, AutoRevert autoRevert, Clock clock, Events events) {
        this.table = table;
        this.autoRevert = autoRevert;
        this.clock = clock;
        this.events = events;
    }

    void updater(BundleUpdater updater) {
        this.updater = Objects.requireNonNull(updater, "updater");
    }

    /**
     * A bundle update must replace one bundle this host runs, at the version the payload replaces,
     * and that bundle must carry its state across ({@link BundleUpdater#replaceable}).
     */
    @Override
    public void checkUpload(String name, Manifest m) throws LivepatchException {
        BundleUpdater u = updater(name);
        if (m.bundles().size() != 1) {
            throw new LivepatchException(ErrorCode.UNSUPPORTED, "payload " + name + " replaces " + m.bundles().size()
                    + " bundles; this host replaces one bundle per payload: build one payload per bundle");
        }
        BundleEntry b = m.bundles().get(0);
        Optional<String> running = u.version(b.bundle());
        if (running.isEmpty()) {
            throw new LivepatchException(ErrorCode.CLASS_NOT_FOUND, "payload " + name + " replaces bundle " + b.bundle()
                    + ", which this host does not have");
        }
        if (!running.get().equals(b.fromVersion())) {
            throw new LivepatchException(ErrorCode.EXPECTATION, "payload " + name + " replaces bundle " + b.bundle() + " "
                    + b.fromVersion() + ", but the host runs version " + running.get()
                    + "; build the payload against the running version");
        }
        if (!u.replaceable(b.bundle())) {
            throw new LivepatchException(ErrorCode.UNSUPPORTED, "bundle " + b.bundle() + " cannot be replaced while the host "
                    + "runs: it does not carry its state across (no Hotvisor-Replaceable header)");
        }
    }

    @Override
    public ActionReport apply(PayloadTable.Entry e, ActionOptions options) throws LivepatchException {
        BundleEntry b = e.manifest().bundles().get(0);
        BundleUpdater u = updater(e.name());
        for (PayloadTable.Entry applied : table.stack()) {
            for (ClassEntry c : applied.manifest().classes()) {
                if (c.bundle().equals(b.bundle())) {
                    throw new LivepatchException(ErrorCode.DEPENDENCY, "payload " + applied.name() + " changes class "
                            + c.className() + " of bundle " + b.bundle() + ", which " + e.name() + " replaces; revert "
                            + applied.name() + " first, or build " + e.name() + " to include its change");
                }
            }
        }
        BundleUpdater.Result r = u.update(b.bundle(), b.fromVersion(), e.payload().bundleBytes(b));
        table.bundleApplied(e, r.previousJar(), clock.instant());
        autoRevert.start(e.name(), List.of());
        ActionReport report = report("apply", e, b.bundle() + " " + b.fromVersion() + " -> " + b.toVersion(), r);
        events.info(e.name(), "applied: " + report.summary() + "; " + r.detail());
        return report;
    }

    /** Puts the bundle a bundle-update payload replaced back, with the state of the running one. */
    @Override
    public ActionReport revert(PayloadTable.Entry e, ActionOptions options, String errorAfter) throws LivepatchException {
        BundleEntry b = e.manifest().bundles().get(0);
        BundleUpdater.Result r = updater(e.name()).update(b.bundle(), b.toVersion(), table.bundleBefore(e));
        table.reverted(e, errorAfter);
        autoRevert.stop(e.name());
        ActionReport report = report("revert", e, b.bundle() + " " + b.toVersion() + " -> " + b.fromVersion(), r);
        events.info(e.name(), "reverted: " + report.summary() + "; " + r.detail());
        return report;
    }

    private BundleUpdater updater(String name) throws LivepatchException {
        BundleUpdater u = updater;
        if (u == null) {
            throw new LivepatchException(ErrorCode.UNSUPPORTED, "payload " + name + " is a bundle update, which this host "
                    + "cannot apply (no bundle updater); build the change as a livepatch payload");
        }
        return u;
    }

    private static ActionReport report(String action, PayloadTable.Entry e, String what, BundleUpdater.Result r) {
        return ActionReport.of(action, e.name(), r.classes(), r.quiesceNanos(), r.windowNanos(), r.pauseNanos(),
                List.of("bundle " + what), ActionReport.BUNDLE_UPDATE);
    }
}
