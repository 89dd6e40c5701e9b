package io.hotvisor.patch.applier.trampoline;

import io.hotvisor.patch.applier.activeness.MethodDiff;
import io.hotvisor.patch.format.TrampolineMembers;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Handle;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.FieldNode;
import org.objectweb.asm.tree.InvokeDynamicInsnNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Compiles one class of a payload into the bytes of a hidden class that holds its new method bodies
 * as static methods (receiver first), ready to be defined as a nestmate of the running class.
 *
 * <p>Which methods: every method of the running class whose code in the head revision differs from
 * the code the class runs unpatched ({@code base}). Each hidden class is therefore the complete
 * difference of its head from the base, so stacking and replace only choose which one is on top.
 * Methods new in the head (private or static) and every lambda body the new code refers to are
 * copied beside them, and the new code's calls to them are rewritten to the copies; calls to the
 * class's own private methods become nestmate {@code invokevirtual}s (an {@code invokespecial} must
 * name the calling class).
 *
 * <p>What a trampoline cannot express is returned as {@link Refusal}s, one per member, and then no
 * bytes: a changed constructor or static initialiser, a new or removed field or a changed constant,
 * a new constructor or static initialiser, a new non-private instance method (virtual, maybe
 * overriding), a new synchronized method, changed modifiers, hierarchy or a changed bridge, and a
 * {@code super} call from new code (only the class itself may make it). Methods removed by the head
 * stay in place: no new code can call them. The per-member rules are {@link TrampolineMembers}'s,
 * shared with {@code hvpatch build --mechanism trampoline}, whose tests also pin the rules over the
 * copied code (super calls, lambdas linked in the hidden class, static forms that collide) to these.
 *
 * <p>No class is loaded and no frame computed: the head's stack map frames stay valid, as the
 * receiver keeps local slot 0 and its type when a method becomes static.
 */
final class NestmateBodies {
    /** Suffix of the hidden class's name, which must be in the running class's package. */
    static final String SUFFIX = "$Trampoline";
    private static final Handle LAMBDA = new Handle(Opcodes.H_INVOKESTATIC, Type.getInternalName(Prologue.class), "lambda",
            "(Ljava/lang/invoke/MethodHandles$Lookup;Ljava/lang/String;Ljava/lang/invoke/MethodType;"
                    + "Ljava/lang/invoke/MethodType;Ljava/lang/invoke/MethodHandle;Ljava/lang/invoke/MethodType;)"
                    + "Ljava/lang/invoke/CallSite;", false);

    /** One new body: the running method {@code key} (name + descriptor) and its static form in the hidden class. */
    record Body(String key, String name, String staticDescriptor) {
    }

    /** The hidden class's bytes and bodies, or the refusals (then bytes is null). */
    record Result(byte[] bytes, List<Body> bodies, List<Refusal> refusals) {
        boolean carried() {
            return refusals.isEmpty();
        }
    }

    private final Class<?> type;
    private final ClassNode loaded;
    private final ClassNode head;
    private final Set<String> changed;
    private final String hidden;
    private final Map<String, MethodNode> headMethods = new LinkedHashMap<>();
    private final Set<String> loadedMethods = new HashSet<>();
    private final List<Refusal> refusals = new ArrayList<>();

    private NestmateBodies(Class<?> type, byte[] loaded, byte[] base, byte[] head) {
        this.type = type;
        this.loaded = read(loaded, ClassReader.SKIP_CODE);
        this.head = read(head, 0);
        this.changed = MethodDiff.changedBodies(base, head);
        this.hidden = this.loaded.name + SUFFIX;
        for (MethodNode m : this.head.methods) {
            headMethods.put(m.name + m.desc, m);
        }
        for (MethodNode m : this.loaded.methods) {
            loadedMethods.add(m.name + m.desc);
        }
    }

    /**
     * @param type   the running class (its supertypes tell a new method that overrides)
     * @param loaded the unwoven bytes the class was loaded from (which members exist)
     * @param base   the unwoven bytes whose code runs while nothing is patched
     * @param head   the class as the payload has it
     */
    static Result compile(Class<?> type, byte[] loaded, byte[] base, byte[] head) {
        return new NestmateBodies(type, loaded, base, head).compile();
    }

    private Result compile() {
        if (!head.name.equals(loaded.name)) {
            refuse("class", "the payload's class is " + head.name.replace('/', '.'));
            return refused();
        }
        checkClass();
        checkFields();
        List<MethodNode> patched = new ArrayList<>();
        for (String key : changed) {
            MethodNode m = headMethods.get(key);
            String problem = unpatchable(m);
            if (problem != null) {
                refuse(display(m), problem);
            } else {
                patched.add(m);
            }
        }
        for (MethodNode m : head.methods) {
            if (!loadedMethods.contains(m.name + m.desc)) {
                String problem = uncopyable(m);
                if (problem != null) {
                    refuse(display(m), problem);
                }
            }
        }
        if (!refusals.isEmpty()) {
            return refused();
        }
        return build(patched);
    }

    private Result refused() {
        return new Result(null, List.of(), List.copyOf(refusals));
    }

    private void checkClass() {
        int mask = ~(Opcodes.ACC_SUPER | Opcodes.ACC_SYNTHETIC | Opcodes.ACC_DEPRECATED);
        if (!Objects.equals(head.superName, loaded.superName) || !head.interfaces.equals(loaded.interfaces)
                || (head.access & mask) != (loaded.access & mask)) {
            refuse("class", "its superclass, interfaces or modifiers changed");
        }
    }

    private void checkFields() {
        Map<String, FieldNode> before = new HashMap<>();
        for (FieldNode f : loaded.fields) {
            before.put(f.name + ":" + f.desc, f);
        }
        for (FieldNode f : head.fields) {
            FieldNode old = before.remove(f.name + ":" + f.desc);
            if (old == null) {
                refuse(f.name, "an added field: a trampoline adds no state (use a shadow variable)");
            } else if (old.access != f.access || !Objects.equals(old.value, f.value)) {
                refuse(f.name, "the field's modifiers or constant value changed");
            }
        }
        for (FieldNode f : before.values()) {
            refuse(f.name, "a removed field");
        }
    }

    /** Why a changed method cannot be patched by a trampoline, or null. */
    private static String unpatchable(MethodNode m) {
        return TrampolineMembers.changedMethod(m.access, m.name);
    }

    /** Why a method new in the head cannot be copied into the hidden class, or null. */
    private String uncopyable(MethodNode m) {
        String problem = TrampolineMembers.addedMethod(m.access, m.name);
        if (TrampolineMembers.NEW_VIRTUAL.equals(problem)) {
            String overridden = overridden(m);
            return overridden != null ? "a new method overriding " + overridden + ": a trampoline cannot add a virtual method" : problem;
        }
        return problem;
    }

    /** The supertype method a new instance method would override, or null. */
    private String overridden(MethodNode m) {
        String parameters = m.desc.substring(0, m.desc.indexOf(')') + 1);
        Deque<Class<?>> supertypes = new ArrayDeque<>(supertypesOf(type));
        while (!supertypes.isEmpty()) {
            Class<?> s = supertypes.poll();
            for (Method candidate : s.getDeclaredMethods()) {
                int modifiers = candidate.getModifiers();
                if (candidate.getName().equals(m.name) && !Modifier.isPrivate(modifiers) && !Modifier.isStatic(modifiers)
                        && Type.getMethodDescriptor(candidate).startsWith(parameters)) {
                    return s.getName() + "." + m.name;
                }
            }
            supertypes.addAll(supertypesOf(s));
        }
        return null;
    }

    private static List<Class<?>> supertypesOf(Class<?> c) {
        List<Class<?>> out = new ArrayList<>(Arrays.asList(c.getInterfaces()));
        if (c.getSuperclass() != null) {
            out.add(0, c.getSuperclass());
        }
        return out;
    }

    private Result build(List<MethodNode> patched) {
        ClassNode out = new ClassNode();
        out.version = head.version;
        out.access = Opcodes.ACC_FINAL | Opcodes.ACC_SUPER | Opcodes.ACC_SYNTHETIC;
        out.name = hidden;
        out.superName = "java/lang/Object";
        out.sourceFile = head.sourceFile;
        List<Body> bodies = new ArrayList<>();
        Set<String> copied = new HashSet<>();
        Deque<MethodNode> work = new ArrayDeque<>();
        for (MethodNode m : patched) {
            copied.add(m.name + m.desc);
            bodies.add(new Body(m.name + m.desc, m.name, staticDescriptor(m.access, m.desc)));
            work.add(m);
        }
        Set<String> names = new HashSet<>();
        while (!work.isEmpty()) {
            MethodNode m = work.poll();
            for (String reference : rewrite(m)) {
                if (copied.add(reference)) {
                    work.add(headMethods.get(reference));
                }
            }
            String staticDesc = staticDescriptor(m.access, m.desc);
            if (!names.add(m.name + staticDesc)) {
                refuse(display(m), "its static form collides with another method of the same name");
            }
            m.desc = staticDesc;
            m.access = Opcodes.ACC_PRIVATE | Opcodes.ACC_STATIC | (m.access & (Opcodes.ACC_VARARGS | Opcodes.ACC_STRICT));
            out.methods.add(m);
        }
        if (!refusals.isEmpty()) {
            return refused();
        }
        ClassWriter writer = new ClassWriter(0);
        out.accept(writer);
        return new Result(writer.toByteArray(), List.copyOf(bodies), List.of());
    }

    /**
     * Rewrites {@code m}'s references for its new home in the hidden class; returns the keys of the
     * head methods it refers to that must be copied there too.
     */
    private List<String> rewrite(MethodNode m) {
        List<String> toCopy = new ArrayList<>();
        for (AbstractInsnNode insn : m.instructions) {
            if (insn instanceof MethodInsnNode call) {
                rewriteCall(m, call, toCopy);
            } else if (insn instanceof InvokeDynamicInsnNode indy) {
                boolean intoHidden = false;
                for (int i = 0; i < indy.bsmArgs.length; i++) {
                    if (indy.bsmArgs[i] instanceof Handle h) {
                        indy.bsmArgs[i] = rewriteHandle(h, toCopy);
                        intoHidden |= hidden.equals(((Handle) indy.bsmArgs[i]).getOwner());
                    }
                }
                if (intoHidden) {
                    lambdaIntoHidden(m, indy);
                }
            } else if (insn instanceof LdcInsnNode ldc && ldc.cst instanceof Handle h) {
                ldc.cst = rewriteHandle(h, toCopy);
            }
        }
        return toCopy;
    }

    /** A lambda implemented in the hidden class links through {@link Prologue#lambda} (see why there). */
    private void lambdaIntoHidden(MethodNode m, InvokeDynamicInsnNode indy) {
        if (TrampolineMembers.linksInHiddenClass(indy.bsm.getOwner(), indy.bsm.getName())) {
            indy.bsm = LAMBDA;
        } else {
            refuse(display(m), "a serializable lambda, or one with marker interfaces or bridges (" + indy.bsm.getName() + ")");
        }
    }

    private void rewriteCall(MethodNode m, MethodInsnNode call, List<String> toCopy) {
        boolean special = call.getOpcode() == Opcodes.INVOKESPECIAL && !call.name.equals("<init>");
        if (!call.owner.equals(loaded.name)) {
            if (special) {
                refuse(display(m), "calls super." + call.name + ", which only the class itself can call");
            }
            return;
        }
        String key = call.name + call.desc;
        if (copiedMember(key)) {
            boolean instance = call.getOpcode() != Opcodes.INVOKESTATIC;
            call.setOpcode(Opcodes.INVOKESTATIC);
            call.desc = instance ? receiverFirst(call.desc) : call.desc;
            call.owner = hidden;
            call.itf = false;
            toCopy.add(key);
        } else if (special) {
            // A private method of the nest host: nestmates reach it with invokevirtual (JVMS 5.4.4).
            call.setOpcode(Opcodes.INVOKEVIRTUAL);
        }
    }

    private Handle rewriteHandle(Handle h, List<String> toCopy) {
        if (!h.getOwner().equals(loaded.name)) {
            return h;
        }
        String key = h.getName() + h.getDesc();
        if (copiedMember(key)) {
            toCopy.add(key);
            boolean instance = h.getTag() != Opcodes.H_INVOKESTATIC;
            return new Handle(Opcodes.H_INVOKESTATIC, hidden, h.getName(),
                    instance ? receiverFirst(h.getDesc()) : h.getDesc(), false);
        }
        if (h.getTag() == Opcodes.H_INVOKESPECIAL) {
            return new Handle(Opcodes.H_INVOKEVIRTUAL, h.getOwner(), h.getName(), h.getDesc(), false);
        }
        return h;
    }

    /** Whether calls to this head method go to a copy in the hidden class: it is new, or a lambda body. */
    private boolean copiedMember(String key) {
        MethodNode m = headMethods.get(key);
        return m != null && TrampolineMembers.copied(m.name, loadedMethods.contains(key));
    }

    private String receiverFirst(String descriptor) {
        return "(L" + loaded.name + ";" + descriptor.substring(1);
    }

    private String staticDescriptor(int access, String descriptor) {
        return (access & Opcodes.ACC_STATIC) != 0 ? descriptor : receiverFirst(descriptor);
    }

    private void refuse(String member, String reason) {
        refusals.add(new Refusal(loaded.name.replace('/', '.'), member, reason));
    }

    private static String display(MethodNode m) {
        return m.name + m.desc;
    }

    private static ClassNode read(byte[] bytes, int flags) {
        ClassNode node = new ClassNode();
        new ClassReader(bytes).accept(node, flags);
        return node;
    }
}
