package io.hotvisor.patch.builder.diff;

import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AnnotationNode;

/** How members are written in refusal lines: Java source form ({@code int boostCredits}, {@code void tick(long)}). */
final class Members {
    private Members() {
    }

    static String field(String name, String desc) {
        return Type.getType(desc).getClassName() + " " + name;
    }

    static String method(String owner, String name, String desc) {
        String args = Arrays.stream(Type.getArgumentTypes(desc)).map(Type::getClassName).collect(Collectors.joining(", "));
        if (name.equals("<clinit>")) {
            return "static initializer";
        }
        if (name.equals("<init>")) {
            String simple = owner.substring(owner.lastIndexOf('/') + 1);
            return "constructor " + simple.substring(simple.lastIndexOf('$') + 1) + "(" + args + ")";
        }
        return Type.getReturnType(desc).getClassName() + " " + name + "(" + args + ")";
    }

    static String modifiers(int access, boolean method) {
        int mask = method ? Modifier.methodModifiers() : Modifier.fieldModifiers() | Modifier.classModifiers() | Modifier.INTERFACE;
        String text = Modifier.toString(access & mask);
        if ((access & Opcodes.ACC_SYNTHETIC) != 0) {
            text = (text + " synthetic").strip();
        }
        if (method && (access & Opcodes.ACC_VARARGS) != 0) {
            text = (text + " varargs").strip();
        }
        if (!method && (access & Opcodes.ACC_ENUM) != 0) {
            text = (text + " enum").strip();
        }
        return text.isEmpty() ? "package-private" : text;
    }

    static String annotations(List<AnnotationNode> visible, List<AnnotationNode> invisible) {
        StringBuilder out = new StringBuilder();
        for (List<AnnotationNode> list : java.util.Arrays.asList(visible, invisible)) {
            if (list != null) {
                for (AnnotationNode a : list) {
                    out.append(annotation(a)).append(' ');
                }
            }
        }
        return out.toString().strip();
    }

    private static String annotation(AnnotationNode a) {
        StringBuilder out = new StringBuilder("@").append(Type.getType(a.desc).getClassName()).append('(');
        if (a.values != null) {
            for (int i = 0; i < a.values.size(); i += 2) {
                out.append(a.values.get(i)).append('=').append(value(a.values.get(i + 1))).append(',');
            }
        }
        return out.append(')').toString();
    }

    private static String value(Object v) {
        if (v instanceof AnnotationNode a) {
            return annotation(a);
        }
        if (v instanceof List<?> l) {
            return l.stream().map(Members::value).collect(Collectors.joining(",", "{", "}"));
        }
        if (v instanceof String[] e) {
            return e[0] + "." + e[1];
        }
        return String.valueOf(v);
    }
}
