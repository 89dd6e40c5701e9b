package io.hotvisor.runtime.arch.riscv;

import io.hotvisor.runtime.memory.GuestMemory;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Translates a {@link Region} (a hot block and the blocks of its page it leads to) into a hidden
 * class implementing {@link CompiledBlock}: one method whose bytecode is the region's instructions
 * and control flow ({@link RegionEmitter}), so the JIT compiles guest code like any Java code, loops
 * over several guest blocks included.
 *
 * <p>Hidden classes are not strongly reachable from their loader, so the translations of a flushed
 * cache or an ended domain are unloaded. Thread-safe and stateless: a live patch that changes what
 * it emits takes effect with the next {@link TranslationCache#invalidateAll}.
 */
final class BlockTranslator {
    private static final String NAME = "io/hotvisor/runtime/arch/riscv/TranslatedBlock";
    private static final String EXEC_DESC = Type.getMethodDescriptor(Type.LONG_TYPE,
            Type.getType(long[].class), Type.getType(GuestMemory.class), Type.getType(BlockRunner.class));
    /** HotSpot compiles no method over 8000 bytes of bytecode (-XX:+DontCompileHugeMethods). */
    static final int MAX_CODE = 7999;

    private final MethodHandles.Lookup lookup = MethodHandles.lookup();

    /** Compiles {@code region}; when its method would be too big to JIT, its head block alone. */
    CompiledBlock translate(Region region) {
        byte[] bytes = classBytes(region);
        if (bytes == null) bytes = classBytes(Region.single(region.head()));
        if (bytes == null) throw new IllegalStateException("the block at 0x" + Long.toHexString(region.head().pc) + " translates too big");
        try {
            MethodHandles.Lookup hidden = lookup.defineHiddenClass(bytes, true);
            return (CompiledBlock) hidden.findConstructor(hidden.lookupClass(), MethodType.methodType(void.class)).invoke();
        } catch (Throwable e) {
            // A translator bug, never a guest's doing: fail loudly rather than run the block wrongly.
            throw new IllegalStateException("cannot translate the block at 0x" + Long.toHexString(region.head().pc) + ": " + e, e);
        }
    }

    /** The class file of {@code region}'s translation, or null when its method exceeds {@link #MAX_CODE}. */
    static byte[] classBytes(Region region) {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_FRAMES | ClassWriter.COMPUTE_MAXS) {
            @Override
            protected String getCommonSuperClass(String a, String b) {
                return "java/lang/Object"; // never merged: keeps frame computation from loading classes
            }
        };
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_FINAL | Opcodes.ACC_SUPER, NAME, null, "java/lang/Object",
                new String[] {Type.getInternalName(CompiledBlock.class)});
        MethodVisitor init = cw.visitMethod(Opcodes.ACC_PUBLIC, "<init>", "()V", null, null);
        init.visitCode();
        init.visitVarInsn(Opcodes.ALOAD, 0);
        init.visitMethodInsn(Opcodes.INVOKESPECIAL, "java/lang/Object", "<init>", "()V", false);
        init.visitInsn(Opcodes.RETURN);
        init.visitMaxs(0, 0);
        init.visitEnd();
        MethodVisitor mv = cw.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_FINAL, "exec", EXEC_DESC, null, null);
        RegionEmitter emitter = new RegionEmitter(mv, region);
        emitter.emit();
        cw.visitEnd();
        byte[] bytes = cw.toByteArray();
        return emitter.codeSize() > MAX_CODE ? null : bytes;
    }
}
