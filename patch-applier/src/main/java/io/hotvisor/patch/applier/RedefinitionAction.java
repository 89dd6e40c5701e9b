package io.hotvisor.patch.applier;

import io.hotvisor.patch.applier.health.AutoRevert;
import io.hotvisor.patch.format.manifest.ClassEntry;
import io.hotvisor.patch.format.manifest.ClassKind;
import io.hotvisor.patch.format.manifest.HookPhase;
import io.hotvisor.patch.format.manifest.Manifest;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The redefinition mechanism: a payload's classes change in ONE {@code RedefineClasses} batch inside
 * a stop-machine window ({@link Window}), its new classes are defined beside their package, and a
 * revert redefines the saved bytes. Replace, which reverts the whole stack and applies one
 * cumulative payload in a single window, exists only for this mechanism.
 */
final class RedefinitionAction implements Action {
    private final PayloadTable table;
    private final Planner planner;
    private final ClassRecord record;
    private final Window window;
    private final PayloadHooks hooks;
    private final AutoRevert autoRevert;
    private final Clock clock;
    private final Events events;

    RedefinitionAction(PayloadTable table, Planner planner, ClassRecord record, Window window, PayloadHooks hooks,
                       AutoRevert autoRevert, Clock clock, Events events) {
        this.table = table;
        this.planner = planner;
        this.record = record;
        this.window = window;
        this.hooks = hooks;
        this.autoRevert = autoRevert;
        this.clock = clock;
        this.events = events;
    }

    @Override
    public void checkUpload(String name, Manifest m) throws LivepatchException {
        if (m.classes().isEmpty() && m.hooks().isEmpty()) {
            throw new LivepatchException(ErrorCode.NOTHING_TO_PATCH, "payload " + name
                    + " has neither classes nor hooks: nothing to patch");
        }
    }

    @Override
    public ActionReport apply(PayloadTable.Entry e, ActionOptions options) throws LivepatchException {
        Window.Plan plan = planner.plan(e, record::current, "running");
        planner.defineFirst(e, plan);
        Map<HookPhase, HookRunner.Call> calls = hooks.resolve(e);
        hooks.runPre(e, calls.get(HookPhase.PRE_APPLY), "apply");
        Window.Ran r;
        try {
            r = window.run("apply " + e.name(), plan, PayloadHooks.inWindow(calls, HookPhase.APPLY),
                    () -> appliedCheck(e, true), () -> appliedCheck(e, false), options.timeout());
        } catch (LivepatchException x) {
            hooks.runPost(e, calls.get(HookPhase.POST_APPLY), new ArrayList<>());
            throw x;
        }
        table.applied(e, plan.changes(), clock.instant(), r.mechanism());
        List<String> notes = new ArrayList<>();
        hooks.runPost(e, calls.get(HookPhase.POST_APPLY), notes);
        autoRevert.start(e.name(), hooks.probes(e));
        ActionReport report = ActionReport.of("apply", e.name(), plan.changes().size(), r, notes);
        events.info(e.name(), "applied: " + report.summary());
        return report;
    }

    @Override
    public ActionReport revert(PayloadTable.Entry e, ActionOptions options, String errorAfter) throws LivepatchException {
        List<Redefinition> back = new ArrayList<>();
        for (Redefinition c : table.appliedChanges(e)) {
            back.add(c.reversed());
        }
        Window.Plan plan = planner.plan(back, List.of(), false);
        Map<HookPhase, HookRunner.Call> calls = hooks.resolve(e);
        hooks.runPre(e, calls.get(HookPhase.PRE_REVERT), "revert");
        Window.Ran r;
        try {
            r = window.run("revert " + e.name(), plan, PayloadHooks.inWindow(calls, HookPhase.REVERT),
                    () -> sameAs(back, true), () -> sameAs(back, false), options.timeout());
        } catch (LivepatchException x) {
            hooks.runPost(e, calls.get(HookPhase.POST_REVERT), new ArrayList<>());
            throw x;
        }
        table.reverted(e, errorAfter);
        autoRevert.stop(e.name());
        List<String> notes = new ArrayList<>();
        hooks.runPost(e, calls.get(HookPhase.POST_REVERT), notes);
        if (table.definedAny(e)) {
            notes.add("new classes stay loaded but unreachable: " + table.strandedClasses(e));
        }
        ActionReport report = ActionReport.of("revert", e.name(), plan.changes().size(), r, notes);
        events.info(e.name(), "reverted: " + report.summary());
        return report;
    }

    /**
     * Reverts every applied payload (top first) and applies {@code e}, in one window: afterwards
     * {@code e} is the whole stack, or nothing changed. The agent has checked that no payload
     * involved has pre- or post-hooks and that none is a bundle update.
     */
    ActionReport replace(PayloadTable.Entry e, ActionOptions options) throws LivepatchException {
        List<PayloadTable.Entry> old = table.stack();
        // What each class ran before the stack: undo the stack top first, so the bottom's saved bytes win.
        Map<ClassKey, Redefinition> base = new LinkedHashMap<>();
        for (int i = old.size() - 1; i >= 0; i--) {
            for (Redefinition c : table.appliedChanges(old.get(i))) {
                base.put(c.key(), c);
            }
        }
        Window.Plan own = planner.plan(e, (key, type) -> {
            Redefinition c = base.get(key);
            return c != null ? c.from() : record.original(key, type);
        }, "after reverting the applied stack");
        List<Redefinition> changes = new ArrayList<>();
        Set<ClassKey> mine = new HashSet<>();
        for (Redefinition c : own.changes()) {
            changes.add(new Redefinition(c.key(), c.type(), planner.current(c.key(), c.type()), c.to()));
            mine.add(c.key());
        }
        for (Redefinition c : base.values()) {
            if (!mine.contains(c.key())) {
                changes.add(new Redefinition(c.key(), c.type(), planner.current(c.key(), c.type()), c.from()));
            }
        }
        Window.Plan plan = planner.plan(changes, own.defines(), own.defineFirst());
        planner.defineFirst(e, plan);
        List<HookRunner.Call> windowHooks = new ArrayList<>();
        for (int i = old.size() - 1; i >= 0; i--) {
            windowHooks.addAll(PayloadHooks.inWindow(hooks.resolve(old.get(i)), HookPhase.REVERT));
        }
        windowHooks.addAll(PayloadHooks.inWindow(hooks.resolve(e), HookPhase.APPLY));
        Window.Ran r = window.run("replace " + e.name(), plan, windowHooks,
                () -> appliedCheck(e, true), () -> sameAs(changes, false), options.timeout());
        List<String> notes = new ArrayList<>();
        for (String name : table.replaced(e, own.changes(), clock.instant(), r.mechanism())) {
            notes.add("reverted " + name);
        }
        autoRevert.start(e.name(), hooks.probes(e));
        ActionReport report = ActionReport.of("replace", e.name(), changes.size(), r, notes);
        events.info(e.name(), "replaced the applied stack: " + report.summary());
        return report;
    }

    /** Null when {@code e}'s classes all run its bytes ({@code all}) or none do (not {@code all}); else which differ. */
    private String appliedCheck(PayloadTable.Entry e, boolean all) {
        List<String> wrong = new ArrayList<>();
        for (ClassEntry c : e.manifest().classes()) {
            byte[] now = record.recorded(ClassKey.of(c));
            // The payload's bytes were checked against the manifest's hash at upload; comparing
            // bytes keeps a digest per class out of the pause.
            boolean applied = now != null && Arrays.equals(now, e.payload().classBytes(c));
            if (applied != all) {
                wrong.add(c.className());
            }
        }
        if (wrong.isEmpty()) {
            return null;
        }
        if (!all && onlyNewClasses(e, wrong)) {
            return null;
        }
        return (all ? "not applied: " : "still applied: ") + wrong;
    }

    /** New classes stay defined after a rollback; they do not count as "still applied". */
    private static boolean onlyNewClasses(PayloadTable.Entry e, List<String> wrong) {
        for (ClassEntry c : e.manifest().classes()) {
            if (wrong.contains(c.className()) && c.kind() != ClassKind.DEFINE) {
                return false;
            }
        }
        return true;
    }

    /** Null when every change's class runs its {@code to} (or {@code from}) bytes by the record. */
    private String sameAs(List<Redefinition> changes, boolean to) {
        List<String> wrong = new ArrayList<>();
        for (Redefinition c : changes) {
            if (!Arrays.equals(record.recorded(c.key()), to ? c.to() : c.from())) {
                wrong.add(c.key().className());
            }
        }
        return wrong.isEmpty() ? null : "classes not in the expected state: " + wrong;
    }
}
