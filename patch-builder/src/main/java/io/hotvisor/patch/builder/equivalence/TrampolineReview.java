package io.hotvisor.patch.builder.equivalence;

import io.hotvisor.patch.builder.diff.TrampolineFit;
import io.hotvisor.patch.builder.diff.Verdict;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.Handle;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.InvokeDynamicInsnNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * For {@code hvpatch build --mechanism trampoline}: which classes of a planned payload add methods
 * to the class the host loaded, so that only a trampoline can apply them (then the payload requires
 * one), and whether a trampoline host will carry each of them whole. A class a trampoline refuses
 * goes to {@code RedefineClasses} on the host, which refuses added methods, so every refusal here
 * stops the build. Stateless.
 *
 * <p>Checked per class that adds methods, against the bytes the host loaded it from (a trampoline
 * never changes a class's shape, so a payload stacked on one that added a method still adds it):
 * <ul>
 *   <li>{@link TrampolineFit}, the builder's mirror of the host's {@code NestmateBodies};</li>
 *   <li>that every method the classification let the class add is one the running class lacks: a new
 *       lambda that took the name of a running one would be compiled by the host as a new body for
 *       it, so lambda objects made before the patch would run the new lambda's code;</li>
 *   <li>that its bundle is woven: a trampoline host weaves only bundles declaring
 *       {@code Hotvisor-Patchable: true} (told when the distribution's jars are beside the target);</li>
 *   <li>that no other class calls what it adds: the new methods live in a hidden class that only the
 *       class's own new code is rewritten to reach.</li>
 * </ul>
 */
public final class TrampolineReview {
    /**
     * The review.
     *
     * @param refusals lines that stop the build ({@code refused: CLASS: why})
     * @param notes    what the user should know
     * @param classes  the classes that add methods, so the payload requires a trampoline (name order)
     */
    public record Outcome(List<String> refusals, List<String> notes, List<String> classes) {
        /** Copies the lists. */
        public Outcome {
            refusals = List.copyOf(refusals);
            notes = List.copyOf(notes);
            classes = List.copyOf(classes);
        }
    }

    private TrampolineReview() {
    }

    /**
     * Reviews the redefinitions of a planned payload.
     *
     * @param loaded    every host class as the host loaded it (the target build), by binary name
     * @param head      every class of the head build
     * @param verdicts  the classification, built for the trampoline mechanism
     * @param patchable per class: whether its bundle declares {@code Hotvisor-Patchable: true}, with the
     *                  bundle's name; empty when it cannot be told
     */
    public static Outcome review(Map<String, byte[]> loaded, Map<String, byte[]> head, List<Verdict> verdicts,
                                 Function<String, Optional<Patchable>> patchable) {
        List<String> refusals = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        Map<String, Set<String>> adds = new TreeMap<>();
        for (Verdict v : verdicts) {
            if (v.kind() != Verdict.Kind.REDEFINE) {
                continue;
            }
            byte[] running = loaded.get(v.className());
            if (running == null) {
                if (!v.added().isEmpty()) {
                    refusals.add("refused: " + v.className() + ": a payload below this one defined the class, so no trampoline "
                            + "host wove it, and a redefinition cannot add " + methods(v.added()));
                }
                continue;
            }
            TrampolineFit.Result fit = TrampolineFit.of(running, v.bytes());
            if (fit.added().isEmpty()) {
                continue;
            }
            adds.put(v.className(), fit.added());
            String what = "adds " + methods(fit.added());
            for (String key : v.added()) {
                if (!fit.added().contains(key)) {
                    refusals.add("refused: " + v.className() + ": " + method(key) + " is new in this change but the host runs a method "
                            + "of that name and descriptor; a trampoline would take it for the running one (its lambda objects "
                            + "would run the new code)");
                }
            }
            for (String r : fit.refusals()) {
                refusals.add("refused: " + v.className() + ": a trampoline cannot carry this class, which " + what
                        + " (a redefinition cannot add methods): " + r);
            }
            Optional<Patchable> p = patchable.apply(v.className());
            if (p.isPresent() && !p.get().woven()) {
                refusals.add("refused: " + v.className() + ": its bundle " + p.get().bundle() + " does not declare Hotvisor-Patchable: "
                        + "true, so a trampoline host does not weave it and cannot carry the class, which " + what);
            } else if (p.isEmpty()) {
                notes.add("trampoline: " + v.className() + " " + what + "; whether its bundle is woven (Hotvisor-Patchable: true) "
                        + "cannot be told without the distribution's bundle jars beside the target");
            }
        }
        refusals.addAll(callsFromOtherClasses(verdicts, head, adds));
        return new Outcome(refusals, notes, new ArrayList<>(adds.keySet()));
    }

    /**
     * Whether a class's bundle is woven on a trampoline host.
     *
     * @param bundle its symbolic name
     * @param woven  whether its manifest declares {@code Hotvisor-Patchable: true}
     */
    public record Patchable(String bundle, boolean woven) {
    }

    /** A method that a class adds, called by another class of the payload (or through a subclass of it). */
    private static List<String> callsFromOtherClasses(List<Verdict> verdicts, Map<String, byte[]> head, Map<String, Set<String>> adds) {
        List<String> out = new ArrayList<>();
        if (adds.isEmpty()) {
            return out;
        }
        Map<String, String> superOf = new HashMap<>();
        for (Verdict v : verdicts) {
            if (v.bytes() == null) {
                continue;
            }
            ClassNode node = new ClassNode();
            new ClassReader(v.bytes()).accept(node, ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
            String self = node.name.replace('/', '.');
            for (MethodNode m : node.methods) {
                for (AbstractInsnNode insn : m.instructions) {
                    List<String[]> refs = new ArrayList<>();
                    if (insn instanceof MethodInsnNode call) {
                        refs.add(new String[] {call.owner, call.name, call.desc});
                    } else if (insn instanceof InvokeDynamicInsnNode indy) {
                        for (Object arg : indy.bsmArgs) {
                            if (arg instanceof Handle h) {
                                refs.add(new String[] {h.getOwner(), h.getName(), h.getDesc()});
                            }
                        }
                    } else if (insn instanceof LdcInsnNode ldc && ldc.cst instanceof Handle h) {
                        refs.add(new String[] {h.getOwner(), h.getName(), h.getDesc()});
                    }
                    for (String[] r : refs) {
                        String adder = adderOf(r[0].replace('/', '.'), r[1] + r[2], adds, head, superOf);
                        if (adder != null && !adder.equals(self)) {
                            String line = "refused: " + self + ": calls " + adder + "." + method(r[1] + r[2]) + ", which " + adder
                                    + " adds: a trampoline carries a new method only for its own class's new code (move the call "
                                    + "into " + adder + ", or the method into a new top-level class)";
                            if (!out.contains(line)) {
                                out.add(line);
                            }
                        }
                    }
                }
            }
        }
        return out;
    }

    /** The class (owner or a superclass of it, as the head build has them) that adds {@code key}, or null. */
    private static String adderOf(String owner, String key, Map<String, Set<String>> adds, Map<String, byte[]> head,
                                  Map<String, String> superOf) {
        for (String c = owner; c != null; c = superclass(c, head, superOf)) {
            Set<String> added = adds.get(c);
            if (added != null && added.contains(key)) {
                return c;
            }
        }
        return null;
    }

    private static String superclass(String className, Map<String, byte[]> head, Map<String, String> superOf) {
        if (superOf.containsKey(className)) {
            return superOf.get(className);
        }
        byte[] bytes = head.get(className);
        String parent = bytes == null || new ClassReader(bytes).getSuperName() == null ? null
                : new ClassReader(bytes).getSuperName().replace('/', '.');
        superOf.put(className, parent);
        return parent;
    }

    private static String methods(Set<String> keys) {
        return String.join(", ", keys.stream().map(TrampolineReview::method).toList());
    }

    /** {@code decorate(String)} from {@code decorate(Ljava/lang/String;)Ljava/lang/String;}. */
    static String method(String key) {
        int paren = key.indexOf('(');
        return key.substring(0, paren) + "(" + String.join(", ", java.util.Arrays.stream(Type.getArgumentTypes(key.substring(paren)))
                .map(t -> t.getClassName().substring(t.getClassName().lastIndexOf('.') + 1)).toList()) + ")";
    }
}
