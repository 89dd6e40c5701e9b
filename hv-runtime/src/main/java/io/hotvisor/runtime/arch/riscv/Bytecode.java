package io.hotvisor.runtime.arch.riscv;

import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * What the translator's emitters share while writing one {@code exec} method: the method's local
 * slots, and guest-register reads and writes, which are JVM locals for the whole method.
 *
 * <p>Local layout: 0 {@code this}, then {@code exec}'s arguments (the register file, the memory,
 * the runner), then x1-x31 (two slots each), then the scratch and bookkeeping locals below.
 */
final class Bytecode {
    static final int X = 1, MEM = 2, RUNNER = 3, FIRST_REG = 4;
    /** A long the emitters use between two instructions (a jalr target). */
    static final int TMP = FIRST_REG + 62;
    /** Instructions the slice still allows after the block now running (long). */
    static final int LEFT = TMP + 2;
    /** The slice's budget when the method was entered (long). */
    static final int BUDGET = LEFT + 2;
    /** Set by a fault stub: the faulting instruction's pc (long) and its index minus its block's length (int). */
    static final int FAULT_PC = BUDGET + 2, FAULT_DELTA = FAULT_PC + 2;
    /** Guest RAM (byte[]), its size (long), and the memory's decoded-instruction pages (long[][]). */
    static final int RAM = FAULT_DELTA + 1, SIZE = RAM + 1, DECODED = SIZE + 2;
    /** The region's decoded page as the method found it on entry (long[]). */
    static final int PAGE = DECODED + 1;
    /** A memory access's guest address and RAM offset (longs), clamped index (int) and store value (long). */
    static final int ADDR = PAGE + 1, OFF = ADDR + 2, INDEX = OFF + 2, VALUE = INDEX + 1;

    final MethodVisitor mv;
    /** Registers the method has written so far. */
    final boolean[] written = new boolean[32];

    Bytecode(MethodVisitor mv) {
        this.mv = mv;
    }

    static int slot(int r) { return FIRST_REG + 2 * (r - 1); }

    void load(int r) {
        if (r == 0) mv.visitInsn(Opcodes.LCONST_0);
        else mv.visitVarInsn(Opcodes.LLOAD, slot(r));
    }

    /** Stores the long on the stack in rd; a write to x0 is discarded. */
    void store(int rd) {
        if (rd == 0) {
            mv.visitInsn(Opcodes.POP2);
        } else {
            mv.visitVarInsn(Opcodes.LSTORE, slot(rd));
            written[rd] = true;
        }
    }

    void pushLong(long v) {
        if (v == 0) mv.visitInsn(Opcodes.LCONST_0);
        else if (v == 1) mv.visitInsn(Opcodes.LCONST_1);
        else mv.visitLdcInsn(v);
    }

    void pushInt(int v) {
        if (v >= -1 && v <= 5) mv.visitInsn(Opcodes.ICONST_0 + v);
        else if (v >= Byte.MIN_VALUE && v <= Byte.MAX_VALUE) mv.visitIntInsn(Opcodes.BIPUSH, v);
        else if (v >= Short.MIN_VALUE && v <= Short.MAX_VALUE) mv.visitIntInsn(Opcodes.SIPUSH, v);
        else mv.visitLdcInsn(v);
    }

    static int op(long e) { return (int) e & 0xff; }

    static int rd(long e) { return ((int) e >>> 8) & 31; }

    static int rs1(long e) { return ((int) e >>> 13) & 31; }

    static int rs2(long e) { return ((int) e >>> 18) & 31; }

    static long imm(long e) { return e >> 32; }

    static int size(long e) { return (e & Op.COMPRESSED) != 0 ? 2 : 4; }

    static boolean isBranch(int op) { return op >= Op.BEQ && op <= Op.BGEU; }

    static boolean isLoad(int op) { return op >= Op.LB && op <= Op.LWU; }

    static boolean isStore(int op) { return op >= Op.SB && op <= Op.SD; }
}
