package io.hotvisor.patch.builder.host;

import io.hotvisor.patch.builder.diff.Classifier;
import io.hotvisor.patch.builder.diff.Verdict;
import io.hotvisor.patch.builder.compile.CompiledModule;
import io.hotvisor.patch.format.LivepatchMechanism;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The classification of a change over the whole host: every module's base and head builds are
 * compared (not only the modules whose sources changed: a constant of hv-runtime is copied into the
 * classes of other modules), and the verdicts are kept for the classes the host runs or would
 * define. Classes of no bundle (command-line tools compiled by a host module) are set aside: no
 * payload can carry them, and the dry run and the real build say so alike.
 *
 * @param verdicts    host classes that changed, in name order
 * @param moduleOf    the module that compiles each class of {@code verdicts}
 * @param refusals    lines for classes the builder cannot place ({@code refused: ...})
 * @param outsideHost changed classes that run outside the host
 * @param head        every head class, with synthetic classes renamed to the base's names as the payload has them
 */
public record ChangePlan(List<Verdict> verdicts, Map<String, String> moduleOf, List<String> refusals,
                         List<String> outsideHost, Map<String, byte[]> head) {
    /** Copies the lists. */
    public ChangePlan {
        verdicts = List.copyOf(verdicts);
        moduleOf = Map.copyOf(moduleOf);
        refusals = List.copyOf(refusals);
        outsideHost = List.copyOf(outsideHost);
    }

    /** Classifies the change from {@code before} to {@code after} for a host on the redefine mechanism. */
    public static ChangePlan of(HostScope scope, HostBuild before, HostBuild after) {
        return of(scope, before, after, LivepatchMechanism.REDEFINE);
    }

    /** Classifies the change from {@code before} to {@code after} for a host that applies payloads with {@code mechanism}. */
    public static ChangePlan of(HostScope scope, HostBuild before, HostBuild after, LivepatchMechanism mechanism) {
        List<Verdict> verdicts = new ArrayList<>();
        Map<String, String> moduleOf = new HashMap<>();
        List<String> refusals = new ArrayList<>();
        List<String> outside = new ArrayList<>();
        Map<String, byte[]> head = new TreeMap<>();
        for (Map.Entry<String, CompiledModule> e : after.modules().entrySet()) {
            Map<String, byte[]> b = before.modules().get(e.getKey()).classMap();
            Map<String, byte[]> h = Classifier.correlateSwitchMaps(b, e.getValue().classMap());
            h.forEach(head::putIfAbsent);
            if (b.equals(e.getValue().classMap())) {
                continue;
            }
            for (Verdict v : Classifier.classify(b, h, mechanism)) {
                if (scope.ambiguous(v.className())) {
                    refusals.add("refused: " + v.className() + ": a new class in a package more than one bundle holds; "
                            + "put it in a package one bundle already has");
                } else if (!scope.contains(v.className())) {
                    outside.add(v.className());
                } else {
                    verdicts.add(v);
                    moduleOf.put(v.className(), e.getKey());
                }
            }
        }
        verdicts.sort(java.util.Comparator.comparing(Verdict::className));
        return new ChangePlan(verdicts, moduleOf, refusals, outside, head);
    }
}
