package io.hotvisor.patch.applier;

import io.hotvisor.patch.format.BuildId;

import java.util.Objects;

/** The rules of the applied stack that an apply or a replace checks before anything runs. */
final class StackRules {
    private StackRules() {
    }

    /** A payload applies on the payload its depends-on names, or on the host build when it names none. */
    static void checkStacking(PayloadTable table, PayloadTable.Entry e) throws LivepatchException {
        BuildId want = e.manifest().dependsOn();
        PayloadTable.Entry top = table.top();
        BuildId have = top == null ? null : top.manifest().payloadBuildId();
        if (Objects.equals(want, have)) {
            return;
        }
        if (want == null) {
            throw new LivepatchException(ErrorCode.DEPENDENCY, e.name() + " applies on the host build, but " + top.name()
                    + " is applied; revert the applied payloads first, or use replace");
        }
        PayloadTable.Entry dep = table.byBuildId(want);
        String depName = dep == null ? "payload " + want + " (not uploaded)" : dep.name();
        throw new LivepatchException(ErrorCode.DEPENDENCY, e.name() + " depends on " + depName + ", but "
                + (top == null ? "no payload is applied" : "the top of the applied stack is " + top.name())
                + "; apply " + depName + " first (or use --nodeps to skip this check)");
    }

    /**
     * A replace applies a livepatch payload on the host build, in one window: no bundle update on
     * either side, no dependency (unless {@code --nodeps}), and no pre- or post-hooks anywhere, since
     * they would run outside that window.
     */
    static void checkReplace(PayloadTable table, PayloadTable.Entry e, ActionOptions options) throws LivepatchException {
        if (e.isBundleUpdate() || table.stackHasBundleUpdate()) {
            throw new LivepatchException(ErrorCode.UNSUPPORTED, "replace works on livepatch payloads only; "
                    + "a bundle update is applied and reverted on its own");
        }
        if (!options.nodeps() && e.manifest().dependsOn() != null) {
            throw new LivepatchException(ErrorCode.DEPENDENCY, "replace applies a payload on the host build, but "
                    + e.name() + " depends on payload " + e.manifest().dependsOn()
                    + "; build a cumulative payload against the host build");
        }
        for (PayloadTable.Entry p : table.stack()) {
            refuseHooks(p);
        }
        refuseHooks(e);
    }

    private static void refuseHooks(PayloadTable.Entry p) throws LivepatchException {
        if (p.hasPreOrPostHooks()) {
            throw new LivepatchException(ErrorCode.UNSUPPORTED, "replace refused: payload " + p.name()
                    + " has pre- or post-hooks, which cannot run inside one replace; revert and apply instead");
        }
    }
}
