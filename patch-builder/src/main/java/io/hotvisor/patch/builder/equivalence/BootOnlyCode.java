package io.hotvisor.patch.builder.equivalence;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.Handle;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.InvokeDynamicInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.util.Textifier;
import org.objectweb.asm.util.TraceMethodVisitor;

/**
 * The host's code that has already run for good: methods reached only from the entry points that
 * run once, at boot or bundle start (kpatch and Xen's livepatch-build refuse such changes too). A
 * new body for such a method is accepted by the JVM and never executed, so the change would seem
 * applied while doing nothing.
 *
 * <p>Derived from the base build's call graph: the roots are every {@code BundleActivator}'s
 * {@code start} and {@code stop} and every static initialiser; a method is boot-only when it has
 * callers and all of them are boot-only (the greatest fixed point, so recursion inside boot code
 * stays boot-only). A virtual or interface call counts as a call to every host method of that name
 * and descriptor, and a method handle ({@code this::m}, a lambda body) as a call from later: both
 * over-approximate the callers, so a method is only called boot-only when nothing else can reach it.
 */
public final class BootOnlyCode {
    private static final String ACTIVATOR = "org/osgi/framework/BundleActivator";
    private static final String LATER = "(a method handle, run later)";

    /** Boot-only method key ({@code owner.name desc}, owner in internal form) to the root it is reached from. */
    private final Map<String, String> rootOf;

    private BootOnlyCode(Map<String, String> rootOf) {
        this.rootOf = rootOf;
    }

    /** The analysis of a host's classes (binary name to class bytes). */
    public static BootOnlyCode of(Map<String, byte[]> classes) {
        Map<String, Set<String>> callers = new HashMap<>();
        Map<String, List<String>> byNameDesc = new HashMap<>();
        Map<String, List<String>> callees = new HashMap<>();
        Set<String> roots = new HashSet<>();
        List<ClassNode> nodes = new ArrayList<>();
        for (byte[] bytes : classes.values()) {
            ClassNode node = new ClassNode();
            new ClassReader(bytes).accept(node, ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
            nodes.add(node);
            boolean activator = node.interfaces.contains(ACTIVATOR);
            for (MethodNode m : node.methods) {
                String key = key(node.name, m.name, m.desc);
                byNameDesc.computeIfAbsent(m.name + m.desc, k -> new ArrayList<>()).add(key);
                if (m.name.equals("<clinit>")
                        || activator && (m.name.equals("start") || m.name.equals("stop")) && m.desc.equals("(Lorg/osgi/framework/BundleContext;)V")) {
                    roots.add(key);
                }
            }
        }
        for (ClassNode node : nodes) {
            for (MethodNode m : node.methods) {
                String caller = key(node.name, m.name, m.desc);
                for (AbstractInsnNode insn : m.instructions) {
                    if (insn instanceof MethodInsnNode call) {
                        List<String> targets = call.getOpcode() == Opcodes.INVOKEVIRTUAL || call.getOpcode() == Opcodes.INVOKEINTERFACE
                                ? byNameDesc.getOrDefault(call.name + call.desc, List.of())
                                : List.of(key(call.owner, call.name, call.desc));
                        for (String t : targets) {
                            callers.computeIfAbsent(t, k -> new HashSet<>()).add(caller);
                            callees.computeIfAbsent(caller, k -> new ArrayList<>()).add(t);
                        }
                    } else if (insn instanceof InvokeDynamicInsnNode indy) {
                        for (Object arg : indy.bsmArgs) {
                            if (arg instanceof Handle h) {
                                callers.computeIfAbsent(key(h.getOwner(), h.getName(), h.getDesc()), k -> new HashSet<>()).add(LATER);
                            }
                        }
                    }
                }
            }
        }
        Set<String> boot = new HashSet<>(roots);
        callers.forEach((k, v) -> {
            if (!v.isEmpty()) {
                boot.add(k);
            }
        });
        boolean changed = true;
        while (changed) {
            changed = false;
            for (String m : List.copyOf(boot)) {
                if (!roots.contains(m) && !boot.containsAll(callers.getOrDefault(m, Set.of()))) {
                    boot.remove(m);
                    changed = true;
                }
            }
        }
        // Which root reaches each boot-only method, for the message.
        Map<String, String> rootOf = new HashMap<>();
        Deque<String> queue = new ArrayDeque<>();
        for (String r : roots) {
            rootOf.put(r, r);
            queue.add(r);
        }
        while (!queue.isEmpty()) {
            String m = queue.poll();
            for (String c : callees.getOrDefault(m, List.of())) {
                if (boot.contains(c) && !rootOf.containsKey(c)) {
                    rootOf.put(c, rootOf.get(m));
                    queue.add(c);
                }
            }
        }
        rootOf.keySet().retainAll(boot);
        return new BootOnlyCode(rootOf);
    }

    /**
     * Why a method of the host has already run for good, or empty when it can still run.
     *
     * @param className binary name
     */
    public Optional<String> reason(String className, String name, String desc) {
        String key = key(className.replace('.', '/'), name, desc);
        String root = rootOf.get(key);
        if (root == null) {
            return Optional.empty();
        }
        if (root.equals(key)) {
            return Optional.of(name.equals("<clinit>") ? "a static initialiser runs once, when the class is loaded"
                    : "it runs once, when its bundle starts or stops (BundleActivator." + name + ")");
        }
        return Optional.of("it runs only at boot or bundle start: nothing but " + shown(root) + " reaches it");
    }

    /** The methods (name and descriptor) whose code differs between two builds of a class; constructors included. */
    public static List<String[]> changedMethods(byte[] before, byte[] after) {
        Map<String, String> b = bodies(before);
        List<String[]> out = new ArrayList<>();
        for (Map.Entry<String, String> e : bodies(after).entrySet()) {
            String old = b.get(e.getKey());
            if (old != null && !old.equals(e.getValue())) {
                int paren = e.getKey().indexOf('(');
                out.add(new String[] {e.getKey().substring(0, paren), e.getKey().substring(paren)});
            }
        }
        return out;
    }

    private static Map<String, String> bodies(byte[] bytes) {
        ClassNode node = new ClassNode();
        new ClassReader(bytes).accept(node, ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
        Map<String, String> out = new HashMap<>();
        for (MethodNode m : node.methods) {
            Textifier text = new Textifier();
            m.instructions.accept(new TraceMethodVisitor(text));
            StringWriter s = new StringWriter();
            text.print(new PrintWriter(s));
            out.put(m.name + m.desc, s.toString());
        }
        return out;
    }

    private static String shown(String key) {
        int dot = key.indexOf('.');
        int space = key.indexOf(' ');
        String owner = key.substring(0, dot);
        String simple = owner.substring(owner.lastIndexOf('/') + 1);
        String args = String.join(", ", java.util.Arrays.stream(Type.getArgumentTypes(key.substring(space + 1)))
                .map(t -> t.getClassName().substring(t.getClassName().lastIndexOf('.') + 1)).toList());
        return simple + "." + key.substring(dot + 1, space) + "(" + args + ")";
    }

    private static String key(String owner, String name, String desc) {
        return owner + "." + name + " " + desc;
    }
}
