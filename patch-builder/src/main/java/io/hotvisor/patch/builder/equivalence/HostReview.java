package io.hotvisor.patch.builder.equivalence;

import io.hotvisor.patch.builder.diff.Verdict;
import io.hotvisor.patch.format.LivepatchMechanism;
import io.hotvisor.patch.format.buildinfo.BuildInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Predicate;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.tree.ClassNode;

/**
 * What the builder checks about a planned payload against the whole host, after the per-class
 * classification: classes carried only because they inline a changed constant (said, with the
 * constant), changed code that has already run for good ({@link BootOnlyCode}), the
 * {@link EquivalenceCheck} that the host after the payload runs exactly the head build, and, for the
 * trampoline mechanism, which classes add methods and whether a trampoline host carries them
 * ({@link TrampolineReview}). Stateless.
 */
public final class HostReview {
    /**
     * The review.
     *
     * @param refusals lines that stop the build ({@code refused: CLASS: why})
     * @param notes    what the builder did that the user should know (classes carried for an inlined constant)
     * @param report   what the whole-host check compared, for {@code --explain}
     * @param trampoline the classes that add methods, so that the payload requires a trampoline; empty
     *                   for the redefine mechanism
     */
    public record Outcome(List<String> refusals, List<String> notes, List<String> report, List<String> trampoline) {
        /** Copies the lists. */
        public Outcome {
            refusals = List.copyOf(refusals);
            notes = List.copyOf(notes);
            report = List.copyOf(report);
            trampoline = List.copyOf(trampoline);
        }
    }

    /**
     * The inputs.
     *
     * @param target       the host's build-info
     * @param before       every host class the host runs before the payload
     * @param head         every class of the head build, synthetic classes renamed as the payload has them
     * @param verdicts     the classification of every class that changed, host classes only
     * @param moduleOf     the module that compiles each class
     * @param changedPaths repository paths the change touched
     * @param hasHooks     whether the payload carries hooks (which may re-run boot code)
     * @param inHost       whether a new class would be defined in the host
     * @param mechanism    how the target host applies payloads (the classification was made for it)
     * @param loaded       every host class as the host loaded it (the target build; {@code before} unless
     *                     the payload stacks on others)
     * @param patchable    per class, whether its bundle is woven on a trampoline host, when that can be told
     */
    public record Input(BuildInfo target, Map<String, byte[]> before, Map<String, byte[]> head, List<Verdict> verdicts,
                       Map<String, String> moduleOf, Set<String> changedPaths, boolean hasHooks, Predicate<String> inHost,
                       LivepatchMechanism mechanism, Map<String, byte[]> loaded,
                       Function<String, Optional<TrampolineReview.Patchable>> patchable) {
        /** For the redefine mechanism. */
        public Input(BuildInfo target, Map<String, byte[]> before, Map<String, byte[]> head, List<Verdict> verdicts,
                     Map<String, String> moduleOf, Set<String> changedPaths, boolean hasHooks, Predicate<String> inHost) {
            this(target, before, head, verdicts, moduleOf, changedPaths, hasHooks, inHost, LivepatchMechanism.REDEFINE, before,
                    c -> Optional.empty());
        }
    }

    private HostReview() {
    }

    /** Reviews a planned payload. */
    public static Outcome review(Input in) {
        List<String> refusals = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        List<String> report = new ArrayList<>();
        List<InlinedConstants.Constant> constants = InlinedConstants.changed(in.before(), in.head());
        Set<String> inliners = new TreeSet<>();
        Set<String> refusedInliners = new TreeSet<>();
        for (Verdict v : in.verdicts()) {
            if (v.kind() == Verdict.Kind.DEFINE || sourceChanged(v.className(), in)) {
                continue;
            }
            inliners.add(v.className());
            if (v.kind() == Verdict.Kind.REFUSED) {
                refusedInliners.add(v.className());
            } else if (!constants.isEmpty()) {
                notes.add("carried: " + v.className() + ": its source did not change, but javac copied the new value of "
                        + constantList(constants) + " into it");
            }
        }
        BootOnlyCode boot = BootOnlyCode.of(in.before());
        for (Verdict v : in.verdicts()) {
            // A refused class is named too: the author learns every reason at once.
            byte[] after = v.kind() == Verdict.Kind.REDEFINE ? v.bytes() : in.head().get(v.className());
            if (v.kind() == Verdict.Kind.DEFINE || after == null || !in.before().containsKey(v.className())) {
                continue;
            }
            for (String[] m : BootOnlyCode.changedMethods(in.before().get(v.className()), after)) {
                if (m[0].equals("<clinit>")) {
                    continue; // the classifier refuses a changed static initialiser already
                }
                boot.reason(v.className(), m[0], m[1]).ifPresent(why -> {
                    String line = v.className() + ": " + (m[0].equals("<init>") ? "constructor" : "method " + m[0]) + "("
                            + String.join(", ", java.util.Arrays.stream(org.objectweb.asm.Type.getArgumentTypes(m[1]))
                                    .map(t -> t.getClassName().substring(t.getClassName().lastIndexOf('.') + 1)).toList())
                            + ") changed, but " + why + ", so the new code would never run";
                    if (in.hasHooks()) {
                        notes.add("boot-only: " + line + "; the payload's hooks are taken to re-run it");
                    } else {
                        refusals.add("refused: " + line + " (restart the bundle, or ship a post-apply hook that re-runs it)");
                        if (!sourceChanged(v.className(), in)) {
                            refusedInliners.add(v.className());
                        }
                    }
                });
            }
        }
        Map<String, byte[]> payload = new java.util.HashMap<>();
        in.verdicts().stream().filter(v -> v.bytes() != null).forEach(v -> payload.put(v.className(), v.bytes()));
        EquivalenceCheck.Result eq = EquivalenceCheck.check(in.target(), in.before(), in.head(), payload, in.inHost());
        for (EquivalenceCheck.Difference d : eq.differences()) {
            boolean refusedAlready = in.verdicts().stream().anyMatch(v -> v.className().equals(d.className()) && v.kind() == Verdict.Kind.REFUSED);
            if (refusedAlready) {
                continue; // its refusal names the members already
            }
            String why = d.carried() ? "the payload's bytes do not match the head build"
                    : d.bundle() == null ? "a new class the payload does not define"
                    : "the host would keep running its base version";
            refusals.add("refused: " + d.className() + ": differs from the head build after the payload (" + why + "): "
                    + String.join(", ", d.members()));
            if (!d.carried() && d.bundle() != null && !sourceChanged(d.className(), in)) {
                refusedInliners.add(d.className());
            }
        }
        if (!refusedInliners.isEmpty() && !constants.isEmpty()) {
            refusals.add("refused: constant " + constantList(constants) + " is inlined by " + String.join(", ", inliners)
                    + "; " + String.join(", ", refusedInliners) + " cannot take the new value, so part of the host would keep "
                    + "the old one");
        }
        List<String> trampoline = List.of();
        if (in.mechanism() == LivepatchMechanism.TRAMPOLINE) {
            TrampolineReview.Outcome t = TrampolineReview.review(in.loaded(), in.head(), in.verdicts(), in.patchable());
            refusals.addAll(t.refusals());
            notes.addAll(t.notes());
            trampoline = t.classes();
        }
        long bundles = in.target().bundles().size();
        report.add("whole-host check: " + eq.compared() + " classes of " + bundles + " bundles compared with the head build: "
                + (eq.differences().isEmpty() ? "all match after the payload" : eq.differences().size() + " differ"));
        constants.forEach(c -> report.add("constant changed: " + c + "; inlined by " + (inliners.isEmpty() ? "no other class"
                : String.join(", ", inliners))));
        return new Outcome(refusals, notes, report, trampoline);
    }

    private static String constantList(List<InlinedConstants.Constant> constants) {
        return String.join(", ", constants.stream().map(Object::toString).toList());
    }

    /** Whether the source file of a class changed (new classes count as changed). */
    private static boolean sourceChanged(String className, Input in) {
        byte[] bytes = in.head().get(className);
        String module = in.moduleOf().get(className);
        if (bytes == null || module == null) {
            return true;
        }
        ClassNode node = new ClassNode();
        new ClassReader(bytes).accept(node, ClassReader.SKIP_CODE);
        if (node.sourceFile == null) {
            return true;
        }
        int slash = node.name.lastIndexOf('/');
        String path = module + "/src/main/java/" + (slash < 0 ? "" : node.name.substring(0, slash + 1)) + node.sourceFile;
        return in.changedPaths().contains(path);
    }
}
