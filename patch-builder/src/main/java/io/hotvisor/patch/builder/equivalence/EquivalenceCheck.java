package io.hotvisor.patch.builder.equivalence;

import io.hotvisor.patch.format.buildinfo.BuildInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * The whole-host check (kpatch compares every object of the build, not only the touched ones): for
 * every class of every bundle of the target, the bytes the host runs after the payload (the base's,
 * or the payload's for a class it carries) must have the same {@link ClassShape} as the head build
 * of the same class; and every class the head build adds to the host must be carried. Whatever
 * differs and is not carried would leave the host running something other than the head revision,
 * so each such class is reported with its members.
 */
public final class EquivalenceCheck {
    /**
     * A class whose running form after the payload is not the head's.
     *
     * @param className binary name
     * @param bundle    its bundle's symbolic name, or {@code null} for a new class
     * @param members   the members that differ ({@code method void tick(long)}, {@code class} for the header)
     * @param carried   whether the payload carries the class (then the payload's bytes are wrong)
     */
    public record Difference(String className, String bundle, List<String> members, boolean carried) {
        /** Copies the list. */
        public Difference {
            members = List.copyOf(members);
        }
    }

    /**
     * The result: what differs, and how many classes were compared.
     *
     * @param differences classes that do not match, in name order
     * @param compared    classes compared
     */
    public record Result(List<Difference> differences, int compared) {
        /** Copies the list. */
        public Result {
            differences = List.copyOf(differences);
        }
    }

    private EquivalenceCheck() {
    }

    /**
     * Checks a planned payload.
     *
     * @param target  the host's build-info: which classes run in which bundle
     * @param base    every host class as the host runs it before the payload, by binary name
     * @param head    every class of the head build (with the builder's renames of synthetic classes applied)
     * @param payload the classes the payload carries (redefined and defined), by binary name
     * @param inHost  whether a class the host does not have yet would be defined in the host
     */
    public static Result check(BuildInfo target, Map<String, byte[]> base, Map<String, byte[]> head,
                               Map<String, byte[]> payload, Predicate<String> inHost) {
        List<Difference> out = new ArrayList<>();
        Set<String> known = new TreeSet<>();
        int compared = 0;
        for (BuildInfo.Bundle bundle : target.bundles()) {
            for (BuildInfo.ClassHash c : bundle.classes()) {
                known.add(c.name());
                byte[] wanted = head.get(c.name());
                if (wanted == null) {
                    continue; // removed at head: the host keeps the class, and nothing of the head refers to it
                }
                byte[] carried = payload.get(c.name());
                byte[] after = carried != null ? carried : base.get(c.name());
                compared++;
                if (after == null) {
                    out.add(new Difference(c.name(), bundle.symbolicName(), List.of("class"), false));
                    continue;
                }
                if (java.util.Arrays.equals(after, wanted)) {
                    continue;
                }
                List<String> members = ClassShape.of(after).differences(ClassShape.of(wanted));
                if (!members.isEmpty()) {
                    out.add(new Difference(c.name(), bundle.symbolicName(), members, carried != null));
                }
            }
        }
        for (Map.Entry<String, byte[]> e : head.entrySet()) {
            if (known.contains(e.getKey()) || !inHost.test(e.getKey())) {
                continue;
            }
            compared++;
            byte[] carried = payload.get(e.getKey());
            if (carried == null) {
                out.add(new Difference(e.getKey(), null, List.of("class"), false));
            } else if (!ClassShape.of(carried).differences(ClassShape.of(e.getValue())).isEmpty()) {
                out.add(new Difference(e.getKey(), null, ClassShape.of(carried).differences(ClassShape.of(e.getValue())), true));
            }
        }
        out.sort(java.util.Comparator.comparing(Difference::className));
        return new Result(out, compared);
    }
}
