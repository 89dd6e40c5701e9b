package io.hotvisor.patch.builder.diff;

import io.hotvisor.patch.format.LivepatchMechanism;
import io.hotvisor.patch.format.TrampolineMembers;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.commons.ClassRemapper;
import org.objectweb.asm.commons.SimpleRemapper;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.FieldNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.RecordComponentNode;
import org.objectweb.asm.util.Textifier;
import org.objectweb.asm.util.TraceMethodVisitor;

/**
 * Compares a module's classes at two revisions and gives a {@link Verdict} for each class that
 * changed in a way that matters. Stateless.
 *
 * <p>What a running JVM takes (JVMTI {@code RedefineClasses}): new method bodies, a changed constant
 * pool, changed attributes other than the nest and record attributes. What it refuses, and so this
 * refuses with one line per member: added, removed or renamed fields and methods, changed field or
 * method types or modifiers, changed class modifiers, superclass, interfaces, nest host or members,
 * permitted subclasses, record components. It also refuses, because the JVM would accept them but
 * do the wrong thing: a changed static initializer (it never runs again) and changed annotations
 * (what reads them at run time would see a half-changed state).
 *
 * <p>A changed compile-time constant ({@code static final} with a {@code ConstantValue}): javac
 * inlines it into every class that uses it, so those classes' bytes change and are found by the
 * same comparison; the declaring class is redefined too (the JVM accepts a new {@code ConstantValue},
 * {@code ConstantValueRedefinitionTest}), with a note that the field itself keeps its old value for
 * reflection, because statics are not re-initialised.
 *
 * <p>With the trampoline mechanism ({@code --mechanism trampoline}) a changed class may also add
 * what a trampoline carries beside its new bodies and a redefine cannot: methods that
 * {@link TrampolineMembers#addedMethod} accepts (private or static ones) and lambdas added. The
 * verdict is still a redefine of the class's bytes (a trampoline host turns them into hidden
 * nestmates), with those methods in {@link Verdict#added()}; whether the whole class fits a
 * trampoline is checked against the host afterwards
 * ({@link io.hotvisor.patch.builder.equivalence.TrampolineReview}). Everything else is refused as
 * with the redefine mechanism.
 */
public final class Classifier {
    private static final Pattern NUMBERED_CLASS = Pattern.compile("^(.*)\\$(\\d+)$");

    private Classifier() {
    }

    /**
     * Classifies every class that differs between {@code base} and {@code head} (binary name to
     * class-file bytes). Classes only in the base are left out: the host keeps them, unused.
     */
    public static List<Verdict> classify(Map<String, byte[]> base, Map<String, byte[]> head) {
        return classify(base, head, LivepatchMechanism.REDEFINE);
    }

    /**
     * The same, for a host that applies payloads with {@code mechanism}: with
     * {@link LivepatchMechanism#TRAMPOLINE}, methods a trampoline carries may be added.
     */
    public static List<Verdict> classify(Map<String, byte[]> base, Map<String, byte[]> head, LivepatchMechanism mechanism) {
        Map<String, byte[]> mappedHead = correlateSwitchMaps(base, head);
        List<Verdict> out = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : new TreeMap<>(mappedHead).entrySet()) {
            String name = e.getKey();
            byte[] before = base.get(name);
            if (before == null) {
                out.add(new Verdict(name, Verdict.Kind.DEFINE, List.of("new class"), List.of(), e.getValue()));
            } else if (!java.util.Arrays.equals(before, e.getValue())) {
                Verdict v = compare(name, before, e.getValue(), mechanism == LivepatchMechanism.TRAMPOLINE);
                if (v != null) {
                    out.add(v);
                }
            }
        }
        return out;
    }

    /**
     * javac's switch-map class ({@code Outer$1} with {@code $SwitchMap$...} fields) is numbered with
     * the anonymous classes of its top-level class; give the head's the base's name.
     */
    public static Map<String, byte[]> correlateSwitchMaps(Map<String, byte[]> base, Map<String, byte[]> head) {
        Map<String, String> baseMaps = switchMaps(base);
        Map<String, String> headMaps = switchMaps(head);
        Map<String, String> rename = new HashMap<>();
        for (Map.Entry<String, String> h : headMaps.entrySet()) {
            String b = baseMaps.get(h.getKey());
            if (b != null && !b.equals(h.getValue())) {
                rename.put(h.getValue().replace('.', '/'), b.replace('.', '/'));
                if (head.containsKey(b)) {
                    rename.put(b.replace('.', '/'), h.getValue().replace('.', '/')); // swap the two numbers
                }
            }
        }
        if (rename.isEmpty()) {
            return head;
        }
        Map<String, byte[]> out = new TreeMap<>();
        for (Map.Entry<String, byte[]> e : head.entrySet()) {
            String internal = e.getKey().replace('.', '/');
            out.put(rename.getOrDefault(internal, internal).replace('/', '.'), remap(e.getValue(), rename));
        }
        return out;
    }

    /** Whether {@code node} is javac's switch-map class ({@code Outer$1} holding {@code $SwitchMap$...} arrays). */
    private static boolean isSwitchMap(ClassNode node) {
        return NUMBERED_CLASS.matcher(node.name).matches() && node.fields.stream().anyMatch(f -> f.name.startsWith("$SwitchMap$"));
    }

    /**
     * A switch map's static initializer numbers the cases of every enum switch of its top-level
     * class; it ran when the first of them did and never runs again, so the redefined switches would
     * read the old numbering and take the wrong arm. Say so in the words of the source.
     */
    private static String switchMapChanged(ClassNode map) {
        Matcher m = NUMBERED_CLASS.matcher(map.name);
        String outer = m.matches() ? dotted(m.group(1)) : dotted(map.name);
        return "enum switch cases added, removed or reordered in " + outer + ": javac numbered them in this switch map, "
                + "filled once when the class first switched on the enum, so the patched switch would take the wrong case "
                + "(keep the cases of an existing enum switch in their order, or switch with if/else)";
    }

    /** Top-level class name to the name of its switch-map class. */
    private static Map<String, String> switchMaps(Map<String, byte[]> classes) {
        Map<String, String> out = new HashMap<>();
        for (Map.Entry<String, byte[]> e : classes.entrySet()) {
            Matcher m = NUMBERED_CLASS.matcher(e.getKey());
            if (m.matches()) {
                ClassNode node = node(e.getValue());
                if (node.fields.stream().anyMatch(f -> f.name.startsWith("$SwitchMap$"))) {
                    out.put(m.group(1), e.getKey());
                }
            }
        }
        return out;
    }

    private static Verdict compare(String name, byte[] before, byte[] after, boolean trampoline) {
        ClassNode b = node(before);
        ClassNode h0 = node(after);
        LambdaCorrelator.Result lambdas = LambdaCorrelator.correlate(before, after, trampoline);
        Map<String, String> methodRename = lambdas.rename();
        byte[] shipped = methodRename.isEmpty() ? after : remap(after, methodRename);
        ClassNode h = methodRename.isEmpty() ? h0 : node(shipped);

        List<String> refusals = new ArrayList<>(lambdas.refusals());
        List<String> changes = new ArrayList<>();
        Set<String> added = new TreeSet<>();
        compareClass(b, h, refusals);
        compareFields(b, h, refusals, changes);
        for (LambdaCorrelator.Added a : lambdas.added()) {
            String problem = TrampolineMembers.addedMethod(a.access(), a.shippedName());
            if (problem == null) {
                changes.add("lambda added: " + a.described() + ": carried by a trampoline");
                added.add(a.key());
            } else {
                refusals.add("lambda added: " + a.described() + ": a redefine cannot add a method, nor a trampoline: " + problem);
            }
        }
        compareMethods(b, h, lambdas.unpaired(), trampoline, refusals, changes, added);
        if (!refusals.isEmpty()) {
            return new Verdict(name, Verdict.Kind.REFUSED, changes, refusals, null);
        }
        if (changes.isEmpty()) {
            return null;
        }
        return new Verdict(name, Verdict.Kind.REDEFINE, changes, List.of(), shipped, added);
    }

    private static void compareClass(ClassNode b, ClassNode h, List<String> refusals) {
        if (b.access != h.access) {
            refusals.add("class modifiers changed: " + Members.modifiers(b.access, false) + " -> " + Members.modifiers(h.access, false));
        }
        if (!Objects.equals(b.superName, h.superName)) {
            refusals.add("superclass changed: " + dotted(b.superName) + " -> " + dotted(h.superName));
        }
        if (!new TreeSet<>(b.interfaces).equals(new TreeSet<>(h.interfaces))) {
            refusals.add("interfaces changed: " + dottedSet(b.interfaces) + " -> " + dottedSet(h.interfaces));
        }
        if (!Members.annotations(b.visibleAnnotations, b.invisibleAnnotations)
                .equals(Members.annotations(h.visibleAnnotations, h.invisibleAnnotations))) {
            refusals.add("class annotations changed");
        }
        if (!Objects.equals(b.nestHostClass, h.nestHostClass)) {
            refusals.add("nest host changed: " + dotted(b.nestHostClass) + " -> " + dotted(h.nestHostClass));
        }
        Set<String> bn = new TreeSet<>(b.nestMembers == null ? List.of() : b.nestMembers);
        Set<String> hn = new TreeSet<>(h.nestMembers == null ? List.of() : h.nestMembers);
        if (!bn.equals(hn)) {
            Set<String> added = new TreeSet<>(hn);
            added.removeAll(bn);
            Set<String> removed = new TreeSet<>(bn);
            removed.removeAll(hn);
            refusals.add("nest members changed:" + (added.isEmpty() ? "" : " added " + dottedSet(added))
                    + (removed.isEmpty() ? "" : " removed " + dottedSet(removed))
                    + " (a new nested or anonymous class; make it a top-level class)");
        }
        if (!Objects.equals(b.permittedSubclasses, h.permittedSubclasses)) {
            refusals.add("permitted subclasses changed");
        }
        if (!records(b).equals(records(h))) {
            refusals.add("record components changed: " + records(b) + " -> " + records(h));
        }
    }

    private static void compareFields(ClassNode b, ClassNode h, List<String> refusals, List<String> changes) {
        Map<String, FieldNode> before = new LinkedHashMap<>();
        b.fields.forEach(f -> before.put(f.name, f));
        Map<String, FieldNode> after = new LinkedHashMap<>();
        h.fields.forEach(f -> after.put(f.name, f));
        for (FieldNode f : b.fields) {
            FieldNode g = after.get(f.name);
            if (g == null) {
                refusals.add("field removed: " + Members.field(f.name, f.desc));
                continue;
            }
            if (!f.desc.equals(g.desc)) {
                refusals.add("field type changed: " + Members.field(f.name, f.desc) + " -> " + Members.field(g.name, g.desc));
                continue;
            }
            if (f.access != g.access) {
                refusals.add("field modifiers changed: " + Members.field(f.name, f.desc) + ": "
                        + Members.modifiers(f.access, false) + " -> " + Members.modifiers(g.access, false));
            }
            if (!Members.annotations(f.visibleAnnotations, f.invisibleAnnotations)
                    .equals(Members.annotations(g.visibleAnnotations, g.invisibleAnnotations))) {
                refusals.add("field annotations changed: " + Members.field(f.name, f.desc));
            }
            if (!Objects.equals(f.value, g.value)) {
                if (f.value == null || g.value == null) {
                    refusals.add("field initial value changed: " + Members.field(f.name, f.desc)
                            + (f.value == null ? " became a compile-time constant" : " is no longer a compile-time constant"));
                } else {
                    changes.add("constant changed: " + Members.field(f.name, f.desc) + " = " + literal(f.value) + " -> " + literal(g.value)
                            + " (uses are recompiled with the new value; the field itself keeps the old one for reflection)");
                }
            }
        }
        for (FieldNode g : h.fields) {
            if (!before.containsKey(g.name)) {
                refusals.add("field added: " + Members.field(g.name, g.desc));
            }
        }
    }

    private static void compareMethods(ClassNode b, ClassNode h, Set<String> unpairedLambdas, boolean trampoline,
                                       List<String> refusals, List<String> changes, Set<String> added) {
        Map<String, MethodNode> after = new LinkedHashMap<>();
        h.methods.forEach(m -> after.put(m.name + m.desc, m));
        Set<String> seen = new TreeSet<>();
        for (MethodNode m : b.methods) {
            String sig = Members.method(b.name, m.name, m.desc);
            MethodNode n = after.get(m.name + m.desc);
            seen.add(m.name + m.desc);
            if (n == null && unpairedLambdas.contains("base:" + m.name + m.desc)) {
                continue; // reported by the lambda pairing, with its source line
            }
            if (n == null) {
                refusals.add((m.name.equals("<clinit>") ? "static initializer removed" : "method removed: " + sig));
                continue;
            }
            if (m.access != n.access) {
                refusals.add("method modifiers changed: " + sig + ": " + Members.modifiers(m.access, true)
                        + " -> " + Members.modifiers(n.access, true));
            }
            if (!annotations(m).equals(annotations(n))) {
                refusals.add("method annotations changed: " + sig);
            }
            if (!body(m).equals(body(n))) {
                if (m.name.equals("<clinit>")) {
                    refusals.add(isSwitchMap(b) ? switchMapChanged(b)
                            : "static initializer changed (it already ran and does not run again)");
                } else {
                    changes.add("method changed: " + sig);
                }
            }
        }
        for (MethodNode n : h.methods) {
            if (!seen.contains(n.name + n.desc) && !unpairedLambdas.contains("head:" + n.name + n.desc)) {
                String shown = n.name;
                String carried = trampoline ? TrampolineMembers.addedMethod(n.access, n.name) : "";
                if (n.name.equals("<clinit>")) {
                    refusals.add("static initializer added (it would never run)");
                } else if (carried == null) {
                    changes.add("method added: " + Members.modifiers(n.access, true) + " " + Members.method(h.name, shown, n.desc)
                            + " (carried by a trampoline)");
                    added.add(n.name + n.desc);
                } else {
                    refusals.add("method added: " + Members.method(h.name, shown, n.desc)
                            + (shown.startsWith("lambda$") ? " (a new lambda)" : "")
                            + (trampoline ? " (a trampoline cannot carry it either: " + carried + ")" : ""));
                }
            }
        }
    }

    /** The normalised text of a method's code: instructions, handlers, limits; no debug information. */
    private static String body(MethodNode m) {
        Textifier text = new Textifier();
        TraceMethodVisitor trace = new TraceMethodVisitor(text);
        m.tryCatchBlocks.forEach(t -> t.accept(trace));
        m.instructions.accept(trace);
        trace.visitMaxs(m.maxStack, m.maxLocals);
        StringWriter out = new StringWriter();
        text.print(new PrintWriter(out));
        return out.toString();
    }

    private static String annotations(MethodNode m) {
        StringBuilder out = new StringBuilder(Members.annotations(m.visibleAnnotations, m.invisibleAnnotations));
        for (List<?>[] params : java.util.Arrays.<List<?>[]>asList(m.visibleParameterAnnotations, m.invisibleParameterAnnotations)) {
            if (params != null) {
                for (List<?> p : params) {
                    @SuppressWarnings("unchecked")
                    List<org.objectweb.asm.tree.AnnotationNode> list = (List<org.objectweb.asm.tree.AnnotationNode>) p;
                    out.append('|').append(Members.annotations(list, null));
                }
            }
        }
        return out.append('|').append(m.annotationDefault).toString();
    }

    private static String records(ClassNode node) {
        if (node.recordComponents == null) {
            return "[]";
        }
        List<String> out = new ArrayList<>();
        for (RecordComponentNode r : node.recordComponents) {
            out.add(Members.field(r.name, r.descriptor));
        }
        return out.toString();
    }

    static ClassNode node(byte[] bytes) {
        ClassNode node = new ClassNode();
        new ClassReader(bytes).accept(node, ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
        return node;
    }

    static byte[] remap(byte[] bytes, Map<String, String> mapping) {
        ClassReader reader = new ClassReader(bytes);
        ClassWriter writer = new ClassWriter(0);
        reader.accept(new ClassRemapper(writer, new SimpleRemapper(mapping)), 0);
        return writer.toByteArray();
    }

    private static String literal(Object value) {
        return value instanceof String s ? "\"" + s + "\"" : String.valueOf(value);
    }

    private static String dotted(String internal) {
        return internal == null ? "(none)" : internal.replace('/', '.');
    }

    private static String dottedSet(java.util.Collection<String> internal) {
        List<String> out = new ArrayList<>();
        internal.forEach(i -> out.add(dotted(i)));
        java.util.Collections.sort(out);
        return String.join(", ", out);
    }
}
