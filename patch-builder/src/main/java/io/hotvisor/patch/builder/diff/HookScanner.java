package io.hotvisor.patch.builder.diff;

import io.hotvisor.patch.format.manifest.HookPhase;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AnnotationNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * Finds action hooks in new classes: a class annotated {@code @LivepatchHooks} (CLASS retention, so
 * read from the class file) and its methods annotated {@code @PreApply} ... {@code @PostRevert}.
 */
public final class HookScanner {
    private static final String API = "Lio/hotvisor/livepatch/api/";
    private static final Map<String, HookPhase> PHASES = Map.of(
            API + "PreApply;", HookPhase.PRE_APPLY, API + "Apply;", HookPhase.APPLY,
            API + "PostApply;", HookPhase.POST_APPLY, API + "PreRevert;", HookPhase.PRE_REVERT,
            API + "Revert;", HookPhase.REVERT, API + "PostRevert;", HookPhase.POST_REVERT);

    private HookScanner() {
    }

    /**
     * One hook method found.
     *
     * @param phase     when it runs
     * @param className binary name of its class
     * @param method    method name
     */
    public record Found(HookPhase phase, String className, String method) {
    }

    /** Whether the class is annotated {@code @LivepatchHooks}. */
    public static boolean isHooksClass(byte[] bytes) {
        ClassNode node = Classifier.node(bytes);
        return has(node.invisibleAnnotations, API + "LivepatchHooks;") || has(node.visibleAnnotations, API + "LivepatchHooks;");
    }

    /**
     * The hooks of a hooks class; a method whose shape is wrong adds a line to {@code refusals}.
     */
    public static List<Found> scan(String className, byte[] bytes, List<String> refusals) {
        ClassNode node = Classifier.node(bytes);
        List<Found> out = new ArrayList<>();
        for (MethodNode m : node.methods) {
            for (List<AnnotationNode> list : java.util.Arrays.asList(m.invisibleAnnotations, m.visibleAnnotations)) {
                if (list == null) {
                    continue;
                }
                for (AnnotationNode a : list) {
                    HookPhase phase = PHASES.get(a.desc);
                    if (phase == null) {
                        continue;
                    }
                    boolean shape = (m.access & Opcodes.ACC_STATIC) != 0 && (m.access & Opcodes.ACC_PUBLIC) != 0 && m.desc.equals("()V");
                    if (!shape) {
                        refusals.add("refused: " + className + ": " + phase.jsonName() + " hook " + m.name
                                + " must be public static void " + m.name + "()");
                    } else {
                        out.add(new Found(phase, className, m.name));
                    }
                }
            }
        }
        return out;
    }

    private static boolean has(List<AnnotationNode> list, String desc) {
        return list != null && list.stream().anyMatch(a -> a.desc.equals(desc));
    }
}
