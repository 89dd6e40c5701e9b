package io.hotvisor.runtime.arch.riscv;

import io.hotvisor.runtime.memory.GuestMemory;
import io.hotvisor.runtime.memory.GuestMemoryFault;
import io.hotvisor.runtime.memory.Nospec;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * Emits a guest load or store inline: an aligned access inside RAM reads or writes the RAM array
 * directly (through {@link RamView}), after the same bounds check as {@code GuestMemory}'s
 * accessors and with the index clamped by {@link Nospec#index}; anything else (misaligned, outside
 * RAM, MMIO later) calls the {@code GuestMemory} accessor, which completes or faults exactly as for
 * the interpreter. Only that call can fault, so only it is covered by the instruction's handler.
 *
 * <p>An inline store into a page that holds decoded instructions calls
 * {@link GuestMemory#afterStore}, so self-modifying code is seen as with the accessors; a store to
 * a data page costs no call at all.
 *
 * <p>Kept compact on purpose: C2 stops inlining into a method once it has taken in about 8000
 * bytes of bytecode, so the bytes one access costs decide how long a region can be.
 */
final class MemoryEmitter {
    private static final String MEM = Type.getInternalName(GuestMemory.class);
    private static final String FAULT = Type.getInternalName(GuestMemoryFault.class);
    private static final String NOSPEC = Type.getInternalName(Nospec.class);
    private static final String VIEW = Type.getInternalName(RamView.class);
    private static final String VH = "java/lang/invoke/VarHandle";
    private static final String VH_DESC = "Ljava/lang/invoke/VarHandle;";

    private final Bytecode b;
    private final MethodVisitor mv;

    MemoryEmitter(Bytecode b) {
        this.b = b;
        this.mv = b.mv;
    }

    static int width(int op) {
        return switch (op) {
            case Op.LB, Op.LBU, Op.SB -> 1;
            case Op.LH, Op.LHU, Op.SH -> 2;
            case Op.LW, Op.LWU, Op.SW -> 4;
            default -> 8;
        };
    }

    /** A load into rd; a fault in the accessor goes to {@code handler}. */
    void load(int op, int rd, int rs1, long imm, Label handler) {
        int w = width(op);
        Label slow = new Label(), done = new Label();
        offset(rs1, imm, w, slow);
        switch (w) {
            case 1 -> {
                mv.visitVarInsn(Opcodes.ALOAD, Bytecode.RAM);
                index(w);
                mv.visitInsn(Opcodes.BALOAD);
            }
            case 2 -> view("I16", w, "get", "([BI)S");
            case 4 -> view("I32", w, "get", "([BI)I");
            default -> view("I64", w, "get", "([BI)J");
        }
        if (w < 8) mv.visitInsn(Opcodes.I2L);
        mv.visitJumpInsn(Opcodes.GOTO, done);
        mv.visitLabel(slow);
        String name = accessor("load", w);
        guarded(handler, () -> {
            mv.visitVarInsn(Opcodes.ALOAD, Bytecode.MEM);
            mv.visitVarInsn(Opcodes.LLOAD, Bytecode.ADDR);
            mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, MEM, name, "(J)J", false);
        });
        mv.visitLabel(done);
        // both paths leave the value sign-extended
        if (op == Op.LBU) { b.pushLong(0xffL); mv.visitInsn(Opcodes.LAND); }
        if (op == Op.LHU) { b.pushLong(0xffffL); mv.visitInsn(Opcodes.LAND); }
        if (op == Op.LWU) { b.pushLong(0xffff_ffffL); mv.visitInsn(Opcodes.LAND); }
        b.store(rd);
    }

    /** A store of rs2; a fault in the accessor goes to {@code handler}. */
    void store(int op, int rs1, int rs2, long imm, Label handler) {
        int w = width(op);
        Label slow = new Label(), done = new Label();
        b.load(rs2);
        mv.visitVarInsn(Opcodes.LSTORE, Bytecode.VALUE);
        offset(rs1, imm, w, slow);
        index(w);
        mv.visitVarInsn(Opcodes.ISTORE, Bytecode.INDEX);
        if (w > 1) mv.visitFieldInsn(Opcodes.GETSTATIC, VIEW, w == 2 ? "I16" : w == 4 ? "I32" : "I64", VH_DESC);
        mv.visitVarInsn(Opcodes.ALOAD, Bytecode.RAM);
        mv.visitVarInsn(Opcodes.ILOAD, Bytecode.INDEX);
        mv.visitVarInsn(Opcodes.LLOAD, Bytecode.VALUE);
        switch (w) {
            case 1 -> { mv.visitInsn(Opcodes.L2I); mv.visitInsn(Opcodes.BASTORE); }
            case 2 -> { mv.visitInsn(Opcodes.L2I); mv.visitInsn(Opcodes.I2S); mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, VH, "set", "([BIS)V", false); }
            case 4 -> { mv.visitInsn(Opcodes.L2I); mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, VH, "set", "([BII)V", false); }
            default -> mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, VH, "set", "([BIJ)V", false);
        }
        // decodes on the page: let the memory drop those the store overwrote
        mv.visitVarInsn(Opcodes.ALOAD, Bytecode.DECODED);
        mv.visitVarInsn(Opcodes.ILOAD, Bytecode.INDEX);
        b.pushInt(GuestMemory.PAGE_SHIFT);
        mv.visitInsn(Opcodes.IUSHR);
        mv.visitInsn(Opcodes.AALOAD);
        mv.visitJumpInsn(Opcodes.IFNULL, done);
        mv.visitVarInsn(Opcodes.ALOAD, Bytecode.MEM);
        mv.visitVarInsn(Opcodes.LLOAD, Bytecode.OFF);
        b.pushInt(w);
        mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, MEM, "afterStore", "(JI)V", false);
        mv.visitJumpInsn(Opcodes.GOTO, done);
        mv.visitLabel(slow);
        String name = accessor("store", w);
        guarded(handler, () -> {
            mv.visitVarInsn(Opcodes.ALOAD, Bytecode.MEM);
            mv.visitVarInsn(Opcodes.LLOAD, Bytecode.ADDR);
            mv.visitVarInsn(Opcodes.LLOAD, Bytecode.VALUE);
            mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, MEM, name, "(JJ)V", false);
        });
        mv.visitLabel(done);
    }

    /**
     * addr = rs1 + imm and off = addr - RAM_BASE into their locals; jumps to {@code slow} unless
     * {@code 0 <= off <= size - w} and off is w-aligned. One test covers all three: RAM's size is
     * a multiple of w, so {@code size - w - off} shares off's low bits, and
     * {@code off | (size - w - off)} is negative exactly when off is out of range.
     */
    private void offset(int rs1, long imm, int w, Label slow) {
        b.load(rs1);
        if (imm != 0) {
            b.pushLong(imm);
            mv.visitInsn(Opcodes.LADD);
        }
        mv.visitInsn(Opcodes.DUP2);
        mv.visitVarInsn(Opcodes.LSTORE, Bytecode.ADDR);
        b.pushLong(GuestMemory.RAM_BASE);
        mv.visitInsn(Opcodes.LSUB);
        mv.visitInsn(Opcodes.DUP2);
        mv.visitVarInsn(Opcodes.LSTORE, Bytecode.OFF);
        mv.visitVarInsn(Opcodes.LLOAD, Bytecode.SIZE);
        b.pushLong(w);
        mv.visitInsn(Opcodes.LSUB);
        mv.visitVarInsn(Opcodes.LLOAD, Bytecode.OFF);
        mv.visitInsn(Opcodes.LSUB);
        mv.visitInsn(Opcodes.LOR);
        b.pushLong(Long.MIN_VALUE | (w - 1));
        mv.visitInsn(Opcodes.LAND);
        mv.visitInsn(Opcodes.LCONST_0);
        mv.visitInsn(Opcodes.LCMP);
        mv.visitJumpInsn(Opcodes.IFNE, slow);
    }

    /** Pushes Nospec.index(off, size - w + 1): the checked offset, clamped against speculation. */
    private void index(int w) {
        mv.visitVarInsn(Opcodes.LLOAD, Bytecode.OFF);
        mv.visitVarInsn(Opcodes.LLOAD, Bytecode.SIZE);
        b.pushLong(w - 1);
        mv.visitInsn(Opcodes.LSUB);
        mv.visitMethodInsn(Opcodes.INVOKESTATIC, NOSPEC, "index", "(JJ)I", false);
    }

    /** The view's access of width w at the clamped offset; leaves the value (int-typed below 8 bytes). */
    private void view(String field, int w, String name, String desc) {
        mv.visitFieldInsn(Opcodes.GETSTATIC, VIEW, field, VH_DESC);
        mv.visitVarInsn(Opcodes.ALOAD, Bytecode.RAM);
        index(w);
        mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, VH, name, desc, false);
    }

    /** Emits {@code call} inside a try range whose GuestMemoryFault handler is {@code handler}. */
    private void guarded(Label handler, Runnable call) {
        Label start = new Label(), end = new Label();
        mv.visitTryCatchBlock(start, end, handler, FAULT);
        mv.visitLabel(start);
        call.run();
        mv.visitLabel(end);
    }

    /**
     * GuestMemory's method for a {@code w}-byte access: load8 .. load64, store8 .. store64. By
     * {@code concat}, not {@code +}: the first string concatenation by invokedynamic spins
     * method-handle classes for ~6 ms, which would fall on every guest's first translation.
     */
    private static String accessor(String verb, int w) {
        return verb.concat(Integer.toString(8 * w));
    }
}
