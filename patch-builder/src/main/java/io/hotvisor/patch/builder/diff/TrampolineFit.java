package io.hotvisor.patch.builder.diff;

import io.hotvisor.patch.format.TrampolineMembers;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.Handle;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.FieldNode;
import org.objectweb.asm.tree.InvokeDynamicInsnNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * Whether a trampoline host can carry a payload class: the builder's mirror of the host's
 * {@code NestmateBodies} (patch-applier), run over the bytes the class was loaded from and the bytes
 * the payload ships, so that {@code hvpatch build --mechanism trampoline} only lets a class add
 * methods when the host will carry the whole class by trampoline (a class a trampoline refuses is
 * redefined, and a redefinition cannot add them).
 *
 * <p>The per-member rules are not copied: they are {@link TrampolineMembers}, which the host asks
 * too. What is mirrored here is the rest of {@code NestmateBodies}: the class header and fields must
 * not change, every changed method must have a prologue, and the code that moves into the hidden
 * class (the changed methods and, transitively, the new methods and lambda bodies they refer to)
 * must not call {@code super}, must link its lambdas with {@code LambdaMetafactory.metafactory}, and
 * must not hold two methods of one static form. {@code TrampolineFitTest} pins this to the host's
 * own verdicts. Not mirrored: the name of a supertype method a new instance method would override
 * (the host names it; such a method is refused either way). Stateless.
 */
public final class TrampolineFit {
    /**
     * The verdict for one class.
     *
     * @param added    methods (name and descriptor) the shipped class has and the running class has not
     * @param refusals one line per member a trampoline cannot carry ({@code <init>(I)V: a changed constructor ...}); empty
     *                 when it carries the whole class
     */
    public record Result(Set<String> added, List<String> refusals) {
        /** Copies. */
        public Result {
            added = java.util.Collections.unmodifiableSet(new TreeSet<>(added));
            refusals = List.copyOf(refusals);
        }
    }

    private final ClassNode running;
    private final ClassNode shipped;
    private final Map<String, MethodNode> shippedMethods = new LinkedHashMap<>();
    private final Set<String> runningMethods = new HashSet<>();
    private final List<String> refusals = new ArrayList<>();

    private TrampolineFit(byte[] running, byte[] shipped) {
        this.running = read(running);
        this.shipped = read(shipped);
        this.shipped.methods.forEach(m -> shippedMethods.put(m.name + m.desc, m));
        this.running.methods.forEach(m -> runningMethods.add(m.name + m.desc));
    }

    /**
     * Whether a trampoline carries {@code shipped} for a class loaded (and woven) from {@code running}.
     *
     * @param running the class's bytes as the host loaded them (its unwoven bytes, what runs unpatched)
     * @param shipped the class's bytes in the payload
     */
    public static Result of(byte[] running, byte[] shipped) {
        return new TrampolineFit(running, shipped).check();
    }

    private Result check() {
        Set<String> added = new TreeSet<>();
        for (MethodNode m : shipped.methods) {
            if (!runningMethods.contains(m.name + m.desc)) {
                added.add(m.name + m.desc);
            }
        }
        if (!TrampolineMembers.wovenClass(running.access, running.name, running.version & 0xFFFF)) {
            refuse("class", "not woven: a trampoline host weaves no interface, annotation, module or pre-Java 8 class");
            return new Result(added, refusals);
        }
        if (!shipped.name.equals(running.name)) {
            refuse("class", "the payload's class is " + shipped.name.replace('/', '.'));
            return new Result(added, refusals);
        }
        checkClass();
        checkFields();
        List<MethodNode> patched = new ArrayList<>();
        for (String key : changedBodies()) {
            MethodNode m = shippedMethods.get(key);
            String problem = TrampolineMembers.changedMethod(m.access, m.name);
            if (problem != null) {
                refuse(key, problem);
            } else {
                patched.add(m);
            }
        }
        for (String key : added) {
            MethodNode m = shippedMethods.get(key);
            String problem = TrampolineMembers.addedMethod(m.access, m.name);
            if (problem != null) {
                refuse(key, problem);
            }
        }
        if (refusals.isEmpty()) {
            copiedCode(patched);
        }
        return new Result(added, refusals);
    }

    private void checkClass() {
        int mask = ~(Opcodes.ACC_SUPER | Opcodes.ACC_SYNTHETIC | Opcodes.ACC_DEPRECATED);
        if (!Objects.equals(shipped.superName, running.superName) || !shipped.interfaces.equals(running.interfaces)
                || (shipped.access & mask) != (running.access & mask)) {
            refuse("class", "its superclass, interfaces or modifiers changed");
        }
    }

    private void checkFields() {
        Map<String, FieldNode> before = new LinkedHashMap<>();
        running.fields.forEach(f -> before.put(f.name + ":" + f.desc, f));
        for (FieldNode f : shipped.fields) {
            FieldNode old = before.remove(f.name + ":" + f.desc);
            if (old == null) {
                refuse(f.name, "an added field: a trampoline adds no state (use a shadow variable)");
            } else if (old.access != f.access || !Objects.equals(old.value, f.value)) {
                refuse(f.name, "the field's modifiers or constant value changed");
            }
        }
        before.values().forEach(f -> refuse(f.name, "a removed field"));
    }

    /** Name and descriptor of the methods of both versions whose code or access flags differ. */
    private Set<String> changedBodies() {
        Map<String, String> before = new HashMap<>();
        running.methods.forEach(m -> before.put(m.name + m.desc, fingerprint(m)));
        Set<String> out = new TreeSet<>();
        for (MethodNode m : shipped.methods) {
            String old = before.get(m.name + m.desc);
            if (old != null && !old.equals(fingerprint(m))) {
                out.add(m.name + m.desc);
            }
        }
        return out;
    }

    /** The code that moves into the hidden class: what it calls and links, and the static forms it takes. */
    private void copiedCode(List<MethodNode> patched) {
        Set<String> copied = new HashSet<>();
        Deque<MethodNode> work = new ArrayDeque<>();
        for (MethodNode m : patched) {
            copied.add(m.name + m.desc);
            work.add(m);
        }
        Set<String> staticForms = new HashSet<>();
        while (!work.isEmpty()) {
            MethodNode m = work.poll();
            for (String reference : references(m)) {
                if (copied.add(reference)) {
                    work.add(shippedMethods.get(reference));
                }
            }
            String staticDesc = (m.access & Opcodes.ACC_STATIC) != 0 ? m.desc : "(L" + running.name + ";" + m.desc.substring(1);
            if (!staticForms.add(m.name + staticDesc)) {
                refuse(m.name + m.desc, "its static form collides with another method of the same name");
            }
        }
    }

    /** The shipped methods {@code m} refers to that are copied beside it; refuses what cannot move with it. */
    private List<String> references(MethodNode m) {
        List<String> out = new ArrayList<>();
        for (AbstractInsnNode insn : m.instructions) {
            if (insn instanceof MethodInsnNode call) {
                boolean special = call.getOpcode() == Opcodes.INVOKESPECIAL && !call.name.equals("<init>");
                if (!call.owner.equals(running.name)) {
                    if (special) {
                        refuse(m.name + m.desc, "calls super." + call.name + ", which only the class itself can call");
                    }
                } else if (copiedMember(call.name + call.desc)) {
                    out.add(call.name + call.desc);
                }
            } else if (insn instanceof InvokeDynamicInsnNode indy) {
                boolean intoHidden = false;
                for (Object arg : indy.bsmArgs) {
                    if (arg instanceof Handle h && h.getOwner().equals(running.name) && copiedMember(h.getName() + h.getDesc())) {
                        out.add(h.getName() + h.getDesc());
                        intoHidden = true;
                    }
                }
                if (intoHidden && !TrampolineMembers.linksInHiddenClass(indy.bsm.getOwner(), indy.bsm.getName())) {
                    refuse(m.name + m.desc, "a serializable lambda, or one with marker interfaces or bridges (" + indy.bsm.getName() + ")");
                }
            } else if (insn instanceof LdcInsnNode ldc && ldc.cst instanceof Handle h && h.getOwner().equals(running.name)
                    && copiedMember(h.getName() + h.getDesc())) {
                out.add(h.getName() + h.getDesc());
            }
        }
        return out;
    }

    private boolean copiedMember(String key) {
        MethodNode m = shippedMethods.get(key);
        return m != null && TrampolineMembers.copied(m.name, runningMethods.contains(key));
    }

    private void refuse(String member, String reason) {
        refusals.add(member + ": " + reason);
    }

    /** Access flags and code, without debug information or frames. */
    private static String fingerprint(MethodNode m) {
        return m.access + "|" + MethodText.of(m);
    }

    private static ClassNode read(byte[] bytes) {
        ClassNode node = new ClassNode();
        new ClassReader(bytes).accept(node, ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
        return node;
    }
}
