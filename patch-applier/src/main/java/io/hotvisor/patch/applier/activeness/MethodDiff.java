package io.hotvisor.patch.applier.activeness;

import org.objectweb.asm.ClassReader;
import org.objectweb.asm.Handle;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.IincInsnNode;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.IntInsnNode;
import org.objectweb.asm.tree.InvokeDynamicInsnNode;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.LookupSwitchInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.MultiANewArrayInsnNode;
import org.objectweb.asm.tree.TableSwitchInsnNode;
import org.objectweb.asm.tree.TryCatchBlockNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.VarInsnNode;

import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The methods whose code differs between two versions of a class file. Debug information (line
 * numbers, local variable names) and stack map frames are ignored, so a change that only moves
 * lines does not count; a method present in only one version counts as changed.
 */
public final class MethodDiff {
    private MethodDiff() {
    }

    /**
     * Names of the methods of the class whose code differs between {@code oldBytes} and
     * {@code newBytes}. Names only, not descriptors: a stack trace names a frame's method without
     * its descriptor, so every overload of a changed name is treated as changed.
     */
    public static Set<String> changedMethods(byte[] oldBytes, byte[] newBytes) {
        Map<String, String> before = fingerprints(oldBytes);
        Map<String, String> after = fingerprints(newBytes);
        Set<String> changed = new TreeSet<>();
        for (Map.Entry<String, String> e : before.entrySet()) {
            if (!e.getValue().equals(after.get(e.getKey()))) {
                changed.add(nameOf(e.getKey()));
            }
        }
        for (String key : after.keySet()) {
            if (!before.containsKey(key)) {
                changed.add(nameOf(key));
            }
        }
        return changed;
    }

    /**
     * Name+descriptor of the methods present in both versions whose code differs (access flags
     * count as code): the granularity of a trampoline, which patches one overload at a time.
     */
    public static Set<String> changedBodies(byte[] oldBytes, byte[] newBytes) {
        Map<String, String> before = fingerprints(oldBytes);
        Map<String, String> after = fingerprints(newBytes);
        Set<String> changed = new TreeSet<>();
        for (Map.Entry<String, String> e : before.entrySet()) {
            String now = after.get(e.getKey());
            if (now != null && !now.equals(e.getValue())) {
                changed.add(e.getKey());
            }
        }
        return changed;
    }

    private static String nameOf(String key) {
        return key.substring(0, key.indexOf('('));
    }

    /** name+descriptor to a canonical text of the method's code. */
    private static Map<String, String> fingerprints(byte[] bytes) {
        ClassNode node = new ClassNode();
        new ClassReader(bytes).accept(node, ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
        Map<String, String> out = new HashMap<>();
        for (MethodNode m : node.methods) {
            out.put(m.name + m.desc, fingerprint(m));
        }
        return out;
    }

    private static String fingerprint(MethodNode m) {
        Map<LabelNode, Integer> labels = new IdentityHashMap<>();
        for (AbstractInsnNode insn : m.instructions) {
            if (insn instanceof LabelNode label) {
                labels.put(label, labels.size());
            }
        }
        StringBuilder sb = new StringBuilder(m.instructions.size() * 8);
        sb.append(m.access).append('|');
        for (AbstractInsnNode insn : m.instructions) {
            append(sb, insn, labels);
            sb.append(';');
        }
        for (TryCatchBlockNode t : m.tryCatchBlocks) {
            sb.append("try ").append(labels.get(t.start)).append(',').append(labels.get(t.end)).append(',')
                    .append(labels.get(t.handler)).append(',').append(t.type).append(';');
        }
        return sb.toString();
    }

    private static void append(StringBuilder sb, AbstractInsnNode insn, Map<LabelNode, Integer> labels) {
        if (insn instanceof LabelNode label) {
            sb.append('L').append(labels.get(label));
            return;
        }
        if (insn.getOpcode() < 0) {
            return; // line numbers and frames are skipped by the reader; nothing else is opcode-less
        }
        sb.append(insn.getOpcode());
        if (insn instanceof InsnNode) {
            return;
        } else if (insn instanceof IntInsnNode n) {
            sb.append(' ').append(n.operand);
        } else if (insn instanceof VarInsnNode n) {
            sb.append(' ').append(n.var);
        } else if (insn instanceof TypeInsnNode n) {
            sb.append(' ').append(n.desc);
        } else if (insn instanceof FieldInsnNode n) {
            sb.append(' ').append(n.owner).append('.').append(n.name).append(n.desc);
        } else if (insn instanceof MethodInsnNode n) {
            sb.append(' ').append(n.owner).append('.').append(n.name).append(n.desc).append(n.itf);
        } else if (insn instanceof InvokeDynamicInsnNode n) {
            sb.append(' ').append(n.name).append(n.desc).append(' ').append(constant(n.bsm))
                    .append(' ').append(Arrays.deepToString(Arrays.stream(n.bsmArgs).map(MethodDiff::constant).toArray()));
        } else if (insn instanceof JumpInsnNode n) {
            sb.append(" L").append(labels.get(n.label));
        } else if (insn instanceof LdcInsnNode n) {
            sb.append(' ').append(n.cst.getClass().getSimpleName()).append(':').append(constant(n.cst));
        } else if (insn instanceof IincInsnNode n) {
            sb.append(' ').append(n.var).append(',').append(n.incr);
        } else if (insn instanceof TableSwitchInsnNode n) {
            sb.append(' ').append(n.min).append('-').append(n.max).append(" L").append(labels.get(n.dflt));
            n.labels.forEach(l -> sb.append(",L").append(labels.get(l)));
        } else if (insn instanceof LookupSwitchInsnNode n) {
            sb.append(' ').append(n.keys).append(" L").append(labels.get(n.dflt));
            n.labels.forEach(l -> sb.append(",L").append(labels.get(l)));
        } else if (insn instanceof MultiANewArrayInsnNode n) {
            sb.append(' ').append(n.desc).append(',').append(n.dims);
        }
    }

    private static String constant(Object value) {
        if (value instanceof Handle h) {
            return h.getTag() + ":" + h.getOwner() + "." + h.getName() + h.getDesc() + h.isInterface();
        }
        if (value instanceof Type t) {
            return t.getDescriptor();
        }
        return String.valueOf(value);
    }
}
