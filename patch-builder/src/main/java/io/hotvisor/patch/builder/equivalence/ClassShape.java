package io.hotvisor.patch.builder.equivalence;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Handle;
import org.objectweb.asm.commons.ClassRemapper;
import org.objectweb.asm.commons.SimpleRemapper;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.FieldNode;
import org.objectweb.asm.tree.InvokeDynamicInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.util.Textifier;
import org.objectweb.asm.util.TraceClassVisitor;
import org.objectweb.asm.util.TraceMethodVisitor;

/**
 * A class file reduced to what it does, member by member, so two builds of a class can be compared
 * modulo what does not change behaviour: debug information (line numbers, local variable names,
 * source file), stack map frames (recomputed from the code), and the numbers javac gives lambda
 * bodies, which are replaced by their order of first use by an {@code invokedynamic} site. Two
 * classes with equal shapes run the same code.
 *
 * @param members text per member: {@code class} for the header (modifiers, hierarchy, attributes),
 *                {@code field NAME DESC}, {@code method NAME DESC} (lambdas as {@code lambda#N})
 */
public record ClassShape(Map<String, String> members) {
    /** The shape of a class file. */
    public static ClassShape of(byte[] bytes) {
        ClassNode node = read(bytes);
        Map<String, String> rename = lambdaOrder(node);
        if (!rename.isEmpty()) {
            ClassWriter w = new ClassWriter(0);
            new ClassReader(bytes).accept(new ClassRemapper(w, new SimpleRemapper(rename)), ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
            node = read(w.toByteArray());
        }
        Map<String, String> out = new TreeMap<>();
        List<MethodNode> methods = node.methods;
        List<FieldNode> fields = node.fields;
        node.methods = new ArrayList<>();
        node.fields = new ArrayList<>();
        out.put("class", text(node));
        for (FieldNode f : fields) {
            ClassNode holder = new ClassNode();
            holder.visit(node.version, 0, "F", null, "java/lang/Object", null);
            f.accept(holder);
            out.put("field " + f.name + " " + f.desc, text(holder));
        }
        for (MethodNode m : methods) {
            out.put("method " + m.name + " " + m.desc, m.access + "\n" + body(m));
        }
        return new ClassShape(out);
    }

    /** The members whose text differs between this shape and {@code other}, or that only one has. */
    public List<String> differences(ClassShape other) {
        List<String> out = new ArrayList<>();
        java.util.Set<String> keys = new java.util.TreeSet<>(members.keySet());
        keys.addAll(other.members.keySet());
        for (String k : keys) {
            if (!java.util.Objects.equals(members.get(k), other.members.get(k))) {
                out.add(k);
            }
        }
        return out;
    }

    private static ClassNode read(byte[] bytes) {
        ClassNode node = new ClassNode();
        new ClassReader(bytes).accept(node, ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
        return node;
    }

    /** {@code owner.lambda$x$N desc} to {@code lambda#K}, K the order of first use by an invokedynamic site. */
    private static Map<String, String> lambdaOrder(ClassNode node) {
        Map<String, String> out = new HashMap<>();
        int next = 0;
        for (MethodNode m : node.methods) {
            for (AbstractInsnNode insn : m.instructions) {
                if (!(insn instanceof InvokeDynamicInsnNode indy)) {
                    continue;
                }
                for (Object arg : indy.bsmArgs) {
                    if (arg instanceof Handle h && h.getOwner().equals(node.name) && h.getName().startsWith("lambda$")) {
                        String key = h.getOwner() + "." + h.getName() + h.getDesc();
                        if (!out.containsKey(key)) {
                            out.put(key, "lambda#" + next++);
                        }
                    }
                }
            }
        }
        return out;
    }

    private static String text(ClassNode node) {
        StringWriter s = new StringWriter();
        node.accept(new TraceClassVisitor(new PrintWriter(s)));
        return s.toString();
    }

    private static String body(MethodNode m) {
        Textifier text = new Textifier();
        TraceMethodVisitor trace = new TraceMethodVisitor(text);
        m.accept(trace);
        StringWriter out = new StringWriter();
        text.print(new PrintWriter(out));
        return out.toString();
    }
}
