package io.hotvisor.runtime.arch.riscv;

import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * Emits the bytecode of one guest computation (ALU, multiply/divide, {@code lui}, {@code auipc},
 * {@code fence}) on the registers held in JVM locals. Control transfers are the
 * {@link RegionEmitter}'s, loads and stores the {@link MemoryEmitter}'s.
 *
 * <p>What a live patch of the translator redefines to change how an instruction is translated
 * (see {@code TranslatorPatchTest}); the change reaches guests at the next
 * {@link TranslationCache#invalidateAll}.
 */
final class InstructionEmitter {
    private static final String OPS = Type.getInternalName(MulDiv.class);

    private final Bytecode b;
    private final MethodVisitor mv;

    InstructionEmitter(Bytecode b) {
        this.b = b;
        this.mv = b.mv;
    }

    /** Emits the computation {@code e} at guest address {@code pc}. */
    void emit(long e, long pc) {
        int op = Bytecode.op(e), rd = Bytecode.rd(e), rs1 = Bytecode.rs1(e), rs2 = Bytecode.rs2(e);
        long imm = Bytecode.imm(e);
        switch (op) {
            case Op.LUI -> { b.pushLong(imm); b.store(rd); }
            case Op.AUIPC -> { b.pushLong(pc + imm); b.store(rd); }
            case Op.ADDI -> immediate(rs1, imm, Opcodes.LADD, rd);
            case Op.XORI -> immediate(rs1, imm, Opcodes.LXOR, rd);
            case Op.ORI -> immediate(rs1, imm, Opcodes.LOR, rd);
            case Op.ANDI -> immediate(rs1, imm, Opcodes.LAND, rd);
            case Op.SLTI -> { b.load(rs1); b.pushLong(imm); helper("slt"); b.store(rd); }
            case Op.SLTIU -> { b.load(rs1); b.pushLong(imm); helper("sltu"); b.store(rd); }
            case Op.SLLI -> shiftImm(rs1, imm, Opcodes.LSHL, rd);
            case Op.SRLI -> shiftImm(rs1, imm, Opcodes.LUSHR, rd);
            case Op.SRAI -> shiftImm(rs1, imm, Opcodes.LSHR, rd);
            case Op.ADD -> binary(rs1, rs2, Opcodes.LADD, rd);
            case Op.SUB -> binary(rs1, rs2, Opcodes.LSUB, rd);
            case Op.XOR -> binary(rs1, rs2, Opcodes.LXOR, rd);
            case Op.OR -> binary(rs1, rs2, Opcodes.LOR, rd);
            case Op.AND -> binary(rs1, rs2, Opcodes.LAND, rd);
            case Op.MUL -> binary(rs1, rs2, Opcodes.LMUL, rd);
            case Op.SLL -> shift(rs1, rs2, Opcodes.LSHL, rd);
            case Op.SRL -> shift(rs1, rs2, Opcodes.LUSHR, rd);
            case Op.SRA -> shift(rs1, rs2, Opcodes.LSHR, rd);
            case Op.SLT -> call(rs1, rs2, "slt", rd);
            case Op.SLTU -> call(rs1, rs2, "sltu", rd);
            case Op.ADDIW -> { b.load(rs1); b.pushLong(imm); mv.visitInsn(Opcodes.LADD); word(rd); }
            case Op.SLLIW -> shiftWordImm(rs1, imm, Opcodes.ISHL, rd);
            case Op.SRLIW -> shiftWordImm(rs1, imm, Opcodes.IUSHR, rd);
            case Op.SRAIW -> shiftWordImm(rs1, imm, Opcodes.ISHR, rd);
            case Op.ADDW -> { b.load(rs1); b.load(rs2); mv.visitInsn(Opcodes.LADD); word(rd); }
            case Op.SUBW -> { b.load(rs1); b.load(rs2); mv.visitInsn(Opcodes.LSUB); word(rd); }
            case Op.SLLW -> wordOp(rs1, rs2, Opcodes.ISHL, rd);
            case Op.SRLW -> wordOp(rs1, rs2, Opcodes.IUSHR, rd);
            case Op.SRAW -> wordOp(rs1, rs2, Opcodes.ISHR, rd);
            case Op.MULW -> wordOp(rs1, rs2, Opcodes.IMUL, rd);
            case Op.MULH -> call(rs1, rs2, "mulh", rd);
            case Op.MULHSU -> call(rs1, rs2, "mulhsu", rd);
            case Op.MULHU -> call(rs1, rs2, "mulhu", rd);
            case Op.DIV -> call(rs1, rs2, "div", rd);
            case Op.DIVU -> call(rs1, rs2, "divu", rd);
            case Op.REM -> call(rs1, rs2, "rem", rd);
            case Op.REMU -> call(rs1, rs2, "remu", rd);
            case Op.DIVW -> call(rs1, rs2, "divw", rd);
            case Op.DIVUW -> call(rs1, rs2, "divuw", rd);
            case Op.REMW -> call(rs1, rs2, "remw", rd);
            case Op.REMUW -> call(rs1, rs2, "remuw", rd);
            case Op.FENCE -> { } // one hart's accesses are already in order; other harts' use real atomics
            default -> throw new IllegalArgumentException("operation " + op + " is not a computation");
        }
    }

    private void immediate(int rs1, long imm, int opcode, int rd) {
        b.load(rs1);
        b.pushLong(imm);
        mv.visitInsn(opcode);
        b.store(rd);
    }

    private void binary(int rs1, int rs2, int opcode, int rd) {
        b.load(rs1);
        b.load(rs2);
        mv.visitInsn(opcode);
        b.store(rd);
    }

    private void shiftImm(int rs1, long imm, int opcode, int rd) {
        b.load(rs1);
        b.pushInt((int) imm);
        mv.visitInsn(opcode);
        b.store(rd);
    }

    /** A long shift by a register: Java masks the count by 63, as RV64 does. */
    private void shift(int rs1, int rs2, int opcode, int rd) {
        b.load(rs1);
        b.load(rs2);
        mv.visitInsn(Opcodes.L2I);
        mv.visitInsn(opcode);
        b.store(rd);
    }

    private void shiftWordImm(int rs1, long imm, int opcode, int rd) {
        b.load(rs1);
        mv.visitInsn(Opcodes.L2I);
        b.pushInt((int) imm);
        mv.visitInsn(opcode);
        mv.visitInsn(Opcodes.I2L);
        b.store(rd);
    }

    /** A 32-bit operation on the low words (int shifts mask by 31, as the *W forms do), sign-extended. */
    private void wordOp(int rs1, int rs2, int opcode, int rd) {
        b.load(rs1);
        mv.visitInsn(Opcodes.L2I);
        b.load(rs2);
        mv.visitInsn(Opcodes.L2I);
        mv.visitInsn(opcode);
        mv.visitInsn(Opcodes.I2L);
        b.store(rd);
    }

    private void call(int rs1, int rs2, String name, int rd) {
        b.load(rs1);
        b.load(rs2);
        helper(name);
        b.store(rd);
    }

    private void helper(String name) {
        mv.visitMethodInsn(Opcodes.INVOKESTATIC, OPS, name, "(JJ)J", false);
    }

    /** Truncates the long on the stack to 32 bits, sign-extends it and stores it in rd. */
    private void word(int rd) {
        mv.visitInsn(Opcodes.L2I);
        mv.visitInsn(Opcodes.I2L);
        b.store(rd);
    }
}
