package io.hotvisor.patch.applier.trampoline;

import io.hotvisor.patch.format.TrampolineMembers;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Handle;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

import java.lang.invoke.CallSite;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Gives every method body of a class a trampoline prologue (see {@link Prologue} for its bytecode)
 * and its static initialiser the lookup hand-off.
 *
 * <p>Woven: methods with code, except constructors, {@code <clinit>}, bridges and synthetic
 * methods other than lambda bodies ({@code lambda$…}, so a changed lambda can be patched like any
 * method). Not woven at all: interfaces, annotations, {@code module-info}, {@code package-info} and
 * class files older than Java 8 (no stack map frames to extend). Both rules are
 * {@link TrampolineMembers}'s, which the builder's {@code --mechanism trampoline} asks too. The
 * prologue adds no field and no
 * method other than a {@code <clinit>} where the class had none, so a woven class stays
 * redefinable with woven bytes ({@link RewovenRedefiner}).
 *
 * <p>The stack map frame at the original entry is the method's initial frame ({@code F_SAME}),
 * followed by a {@code nop} so that a frame the compiler put at offset 0 still gets an offset of
 * its own; no frame is computed, so weaving loads no class.
 *
 * <p>Thread-safety: stateless apart from the unwoven bytes it records; callable from any thread.
 */
public final class Weaver {
    /** The manifest header by which a bundle asks to be woven. */
    public static final String PATCHABLE_HEADER = "Hotvisor-Patchable";
    /** The package woven code refers to: woven bundles need it as a (dynamic) import. */
    public static final String RUNTIME_PACKAGE = Prologue.class.getPackageName();

    private static final String PROLOGUE = Type.getInternalName(Prologue.class);
    private static final String BOOTSTRAP_DESC = MethodType.methodType(CallSite.class, MethodHandles.Lookup.class,
            String.class, MethodType.class, String.class).toMethodDescriptorString();
    private static final Handle ARMED = new Handle(Opcodes.H_INVOKESTATIC, PROLOGUE, "armed", BOOTSTRAP_DESC, false);
    private static final Handle GUARD = new Handle(Opcodes.H_INVOKESTATIC, PROLOGUE, "guard", BOOTSTRAP_DESC, false);
    private static final Handle BODY = new Handle(Opcodes.H_INVOKESTATIC, PROLOGUE, "body", BOOTSTRAP_DESC, false);

    private Weaver() {
    }

    /**
     * Weaves a class about to be defined by {@code loader} and records its unwoven bytes.
     *
     * @return the woven bytes, or null when the class is not one to weave (then it is defined as is)
     */
    public static byte[] weave(ClassLoader loader, byte[] classBytes) {
        ClassReader reader = new ClassReader(classBytes);
        if (!eligible(reader)) {
            return null;
        }
        byte[] woven = prologues(reader);
        WovenClasses.woven(loader, reader.getClassName().replace('/', '.'), classBytes);
        return woven;
    }

    /** The woven form of {@code classBytes} without recording anything (for redefinitions); null if not eligible. */
    static byte[] wovenForm(byte[] classBytes) {
        ClassReader reader = new ClassReader(classBytes);
        return eligible(reader) ? prologues(reader) : null;
    }

    /** Whether a method with these attributes gets a prologue ({@link TrampolineMembers#hasPrologue}). */
    static boolean wovenMethod(int access, String name) {
        return TrampolineMembers.hasPrologue(access, name);
    }

    private static boolean eligible(ClassReader reader) {
        return TrampolineMembers.wovenClass(reader.getAccess(), reader.getClassName(), reader.readUnsignedShort(6));
    }

    private static byte[] prologues(ClassReader reader) {
        ClassWriter writer = new ClassWriter(reader, 0);
        reader.accept(new ClassWeaving(writer), 0);
        return writer.toByteArray();
    }

    private static final class ClassWeaving extends ClassVisitor {
        private String owner;
        private boolean sawClinit;

        ClassWeaving(ClassVisitor next) {
            super(Opcodes.ASM9, next);
        }

        @Override
        public void visit(int version, int access, String name, String signature, String superName, String[] interfaces) {
            owner = name;
            super.visit(version, access, name, signature, superName, interfaces);
        }

        @Override
        public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
            MethodVisitor mv = super.visitMethod(access, name, descriptor, signature, exceptions);
            if (name.equals("<clinit>")) {
                sawClinit = true;
                return new Registration(mv);
            }
            return wovenMethod(access, name) ? new Entry(mv, owner, access, name, descriptor) : mv;
        }

        @Override
        public void visitEnd() {
            if (!sawClinit) {
                MethodVisitor mv = super.visitMethod(Opcodes.ACC_STATIC, "<clinit>", "()V", null, null);
                mv.visitCode();
                Registration.emit(mv);
                mv.visitInsn(Opcodes.RETURN);
                mv.visitMaxs(1, 0);
                mv.visitEnd();
            }
            super.visitEnd();
        }
    }

    /** {@code Prologue.register(MethodHandles.lookup())} first in {@code <clinit>}. */
    private static final class Registration extends MethodVisitor {
        Registration(MethodVisitor next) {
            super(Opcodes.ASM9, next);
        }

        static void emit(MethodVisitor mv) {
            mv.visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/invoke/MethodHandles", "lookup",
                    "()Ljava/lang/invoke/MethodHandles$Lookup;", false);
            mv.visitMethodInsn(Opcodes.INVOKESTATIC, PROLOGUE, "register", "(Ljava/lang/invoke/MethodHandles$Lookup;)V", false);
        }

        @Override
        public void visitCode() {
            super.visitCode();
            emit(mv);
        }

        @Override
        public void visitMaxs(int maxStack, int maxLocals) {
            super.visitMaxs(Math.max(maxStack, 1), maxLocals);
        }
    }

    /** The prologue of one method. */
    private static final class Entry extends MethodVisitor {
        private final String owner;
        private final boolean isStatic;
        private final String name;
        private final String descriptor;
        private int argumentSlots;

        Entry(MethodVisitor next, String owner, int access, String name, String descriptor) {
            super(Opcodes.ASM9, next);
            this.owner = owner;
            this.isStatic = (access & Opcodes.ACC_STATIC) != 0;
            this.name = name;
            this.descriptor = descriptor;
        }

        @Override
        public void visitCode() {
            super.visitCode();
            Label original = new Label();
            mv.visitInvokeDynamicInsn(name, "()Z", ARMED, descriptor);
            mv.visitJumpInsn(Opcodes.IFEQ, original);
            mv.visitInvokeDynamicInsn(name, "()Z", GUARD, descriptor);
            mv.visitJumpInsn(Opcodes.IFEQ, original);
            Type method = Type.getMethodType(descriptor);
            int slot = 0;
            if (!isStatic) {
                mv.visitVarInsn(Opcodes.ALOAD, slot++);
            }
            for (Type argument : method.getArgumentTypes()) {
                mv.visitVarInsn(argument.getOpcode(Opcodes.ILOAD), slot);
                slot += argument.getSize();
            }
            argumentSlots = slot;
            String bodyDescriptor = isStatic ? descriptor : "(L" + owner + ";" + descriptor.substring(1);
            mv.visitInvokeDynamicInsn(name, bodyDescriptor, BODY, descriptor);
            mv.visitInsn(method.getReturnType().getOpcode(Opcodes.IRETURN));
            mv.visitLabel(original);
            mv.visitFrame(Opcodes.F_SAME, 0, null, 0, null);
            mv.visitInsn(Opcodes.NOP);
        }

        @Override
        public void visitMaxs(int maxStack, int maxLocals) {
            super.visitMaxs(Math.max(maxStack, Math.max(argumentSlots, 1)), maxLocals);
        }
    }
}
