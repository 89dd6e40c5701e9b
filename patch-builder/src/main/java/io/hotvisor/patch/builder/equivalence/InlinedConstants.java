package io.hotvisor.patch.builder.equivalence;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.FieldNode;

/**
 * The compile-time constants ({@code static final} primitives and Strings with a
 * {@code ConstantValue}) whose value differs between two builds. javac copies such a value into
 * every class that reads it and keeps no reference to the field, so the only trace of the use is
 * that the reader's bytes changed while its source did not.
 */
public final class InlinedConstants {
    /**
     * One changed constant.
     *
     * @param owner  binary name of the declaring class
     * @param name   field name
     * @param before value in the base
     * @param after  value in the head
     */
    public record Constant(String owner, String name, Object before, Object after) {
        @Override
        public String toString() {
            return owner.substring(owner.lastIndexOf('.') + 1) + "." + name + " (" + literal(before) + " -> " + literal(after)
                    + ", declared in " + owner + ")";
        }

        private static String literal(Object v) {
            return v instanceof String s ? "\"" + s + "\"" : String.valueOf(v);
        }
    }

    private InlinedConstants() {
    }

    /** Every constant declared in both builds whose value changed, in class-name order. */
    public static List<Constant> changed(Map<String, byte[]> base, Map<String, byte[]> head) {
        List<Constant> out = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : new java.util.TreeMap<>(head).entrySet()) {
            byte[] before = base.get(e.getKey());
            if (before == null || java.util.Arrays.equals(before, e.getValue())) {
                continue;
            }
            ClassNode b = fields(before);
            ClassNode h = fields(e.getValue());
            for (FieldNode g : h.fields) {
                for (FieldNode f : b.fields) {
                    if (f.name.equals(g.name) && f.desc.equals(g.desc) && f.value != null && g.value != null
                            && !Objects.equals(f.value, g.value)) {
                        out.add(new Constant(e.getKey(), f.name, f.value, g.value));
                    }
                }
            }
        }
        return out;
    }

    private static ClassNode fields(byte[] bytes) {
        ClassNode node = new ClassNode();
        new ClassReader(bytes).accept(node, ClassReader.SKIP_CODE | ClassReader.SKIP_DEBUG);
        return node;
    }
}
