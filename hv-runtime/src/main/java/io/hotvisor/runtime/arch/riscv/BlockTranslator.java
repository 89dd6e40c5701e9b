package io.hotvisor.runtime.arch.riscv;

import io.hotvisor.runtime.memory.GuestMemory;
import io.hotvisor.runtime.memory.GuestMemoryFault;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Translates a {@link Block} into a hidden class implementing {@link CompiledBlock}: one method
 * whose bytecode is the block's instructions, so the JIT compiles guest code like any Java code.
 *
 * <p>Guest registers the block uses live in JVM locals for the block's duration: loaded from the
 * register file on entry, written back on exit and, for the registers written so far, in the
 * handler of each load or store that can fault, so a trap sees the state before the faulting
 * instruction. Hidden classes are not strongly reachable from their loader, so the blocks of a
 * flushed cache or an ended domain are unloaded. Thread-safe and stateless: a live patch that
 * changes what it emits takes effect with the next {@link TranslationCache#invalidateAll}.
 */
final class BlockTranslator {
    private static final String NAME = "io/hotvisor/runtime/arch/riscv/TranslatedBlock";
    private static final String MEM = Type.getInternalName(GuestMemory.class);
    private static final String FAULT = Type.getInternalName(GuestMemoryFault.class);
    private static final String RUNNER = Type.getInternalName(BlockRunner.class);
    private static final String OPS = Type.getInternalName(MulDiv.class);
    private static final String EXEC_DESC = "([J" + Type.getDescriptor(GuestMemory.class) + Type.getDescriptor(BlockRunner.class) + ")J";
    private static final int X = 1, MEM_ARG = 2, RUNNER_ARG = 3, FIRST_REG = 4, TMP = FIRST_REG + 64, LEFT = TMP + 2;

    private final MethodHandles.Lookup lookup = MethodHandles.lookup();

    /** Compiles {@code block}, which must hold at least one instruction. */
    CompiledBlock translate(Block block) {
        byte[] bytes = classBytes(block);
        try {
            MethodHandles.Lookup hidden = lookup.defineHiddenClass(bytes, true);
            return (CompiledBlock) hidden.findConstructor(hidden.lookupClass(), MethodType.methodType(void.class)).invoke();
        } catch (Throwable e) {
            // A translator bug, never a guest's doing: fail loudly rather than run the block wrongly.
            throw new IllegalStateException("cannot translate the block at 0x" + Long.toHexString(block.pc) + ": " + e, e);
        }
    }

    static byte[] classBytes(Block block) {
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
        new Emitter(mv, block).emit();
        cw.visitEnd();
        return cw.toByteArray();
    }

    /** Emits one block's {@code exec} method. */
    private static final class Emitter {
        private final MethodVisitor mv;
        private final Block block;
        /** Registers written so far by the instructions emitted. */
        private final boolean[] written = new boolean[32];
        private final Label[] tryStart, tryEnd, handler;
        private final boolean[][] writtenBefore;
        /** Every register the block writes: what a self-looping block writes back wherever it leaves. */
        private final boolean[] writtenAnywhere = new boolean[32];
        private final Label top = new Label();

        Emitter(MethodVisitor mv, Block block) {
            this.mv = mv;
            this.block = block;
            int n = block.length();
            tryStart = new Label[n];
            tryEnd = new Label[n];
            handler = new Label[n];
            writtenBefore = new boolean[n][];
        }

        void emit() {
            long[] entries = block.entries;
            mv.visitCode();
            for (int i = 0; i < entries.length; i++) {
                if (accessesMemory(op(entries[i]))) {
                    tryStart[i] = new Label();
                    tryEnd[i] = new Label();
                    handler[i] = new Label();
                    mv.visitTryCatchBlock(tryStart[i], tryEnd[i], handler[i], FAULT);
                }
            }
            boolean[] used = new boolean[32];
            for (long e : entries) {
                int m = (int) e;
                used[(m >>> 8) & 31] = true;
                used[(m >>> 13) & 31] = true;
                used[(m >>> 18) & 31] = true;
            }
            for (int r = 1; r < 32; r++) {
                if (!used[r]) continue;
                mv.visitVarInsn(Opcodes.ALOAD, X);
                pushInt(r);
                mv.visitInsn(Opcodes.LALOAD);
                mv.visitVarInsn(Opcodes.LSTORE, slot(r));
            }
            if (block.selfLoop) {
                for (long e : entries) {
                    int m = (int) e;
                    int op = m & 0xff, rd = (m >>> 8) & 31;
                    if (rd != 0 && !(op >= Op.BEQ && op <= Op.BGEU) && !(op >= Op.SB && op <= Op.SD)) writtenAnywhere[rd] = true;
                }
                // left = instructions the slice still allows after this pass
                mv.visitVarInsn(Opcodes.ALOAD, RUNNER_ARG);
                mv.visitFieldInsn(Opcodes.GETFIELD, RUNNER, "budget", "J");
                pushLong(entries.length);
                mv.visitInsn(Opcodes.LSUB);
                mv.visitVarInsn(Opcodes.LSTORE, LEFT);
                mv.visitLabel(top);
            }
            boolean ended = false;
            for (int i = 0; i < entries.length && !ended; i++) {
                writtenBefore[i] = written.clone();
                ended = instruction(i, entries[i], block.pcs[i]);
            }
            if (!ended) {
                long last = entries[entries.length - 1];
                writeBack(written);
                pushLong(block.pcs[entries.length - 1] + size(last));
                mv.visitInsn(Opcodes.LRETURN);
            }
            for (int i = 0; i < entries.length; i++) {
                if (handler[i] == null) continue;
                mv.visitLabel(handler[i]);
                // the fault stays on the operand stack underneath; in a loop, a later instruction
                // of the previous pass may have written any register
                writeBack(block.selfLoop ? writtenAnywhere : writtenBefore[i]);
                storeLoopRetired();
                mv.visitVarInsn(Opcodes.ALOAD, RUNNER_ARG);
                pushInt(i);
                mv.visitFieldInsn(Opcodes.PUTFIELD, RUNNER, "faultIndex", "I");
                mv.visitInsn(Opcodes.ATHROW);
            }
            mv.visitMaxs(0, 0);
            mv.visitEnd();
        }

        /** Emits instruction {@code i}; returns true when it ended the method (a control transfer). */
        private boolean instruction(int i, long e, long pc) {
            int m = (int) e;
            int op = m & 0xff, rd = (m >>> 8) & 31, rs1 = (m >>> 13) & 31, rs2 = (m >>> 18) & 31;
            long imm = e >> 32;
            long next = pc + size(e);
            switch (op) {
                case Op.LUI -> { pushLong(imm); store(rd); }
                case Op.AUIPC -> { pushLong(pc + imm); store(rd); }
                case Op.JAL -> {
                    pushLong(next);
                    store(rd);
                    writeBack(written);
                    pushLong(pc + imm);
                    mv.visitInsn(Opcodes.LRETURN);
                    return true;
                }
                case Op.JALR -> {
                    load(rs1);
                    pushLong(imm);
                    mv.visitInsn(Opcodes.LADD);
                    pushLong(~1L);
                    mv.visitInsn(Opcodes.LAND);
                    mv.visitVarInsn(Opcodes.LSTORE, TMP);
                    pushLong(next);
                    store(rd);
                    writeBack(written);
                    mv.visitVarInsn(Opcodes.LLOAD, TMP);
                    mv.visitInsn(Opcodes.LRETURN);
                    return true;
                }
                case Op.BEQ, Op.BNE, Op.BLT, Op.BGE, Op.BLTU, Op.BGEU -> {
                    if (block.selfLoop) {
                        selfLoop(op, rs1, rs2, next);
                        return true;
                    }
                    writeBack(written);
                    load(rs1);
                    load(rs2);
                    compare(op);
                    Label taken = new Label();
                    mv.visitJumpInsn(jumpIf(op), taken);
                    pushLong(next);
                    mv.visitInsn(Opcodes.LRETURN);
                    mv.visitLabel(taken);
                    pushLong(pc + imm);
                    mv.visitInsn(Opcodes.LRETURN);
                    return true;
                }
                case Op.LB, Op.LH, Op.LW, Op.LD, Op.LBU, Op.LHU, Op.LWU -> {
                    mv.visitLabel(tryStart[i]);
                    mv.visitVarInsn(Opcodes.ALOAD, MEM_ARG);
                    address(rs1, imm);
                    String name = switch (op) {
                        case Op.LB, Op.LBU -> "load8";
                        case Op.LH, Op.LHU -> "load16";
                        case Op.LW, Op.LWU -> "load32";
                        default -> "load64";
                    };
                    mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, MEM, name, "(J)J", false);
                    mv.visitLabel(tryEnd[i]);
                    if (op == Op.LBU) { pushLong(0xffL); mv.visitInsn(Opcodes.LAND); }
                    if (op == Op.LHU) { pushLong(0xffffL); mv.visitInsn(Opcodes.LAND); }
                    if (op == Op.LWU) { pushLong(0xffff_ffffL); mv.visitInsn(Opcodes.LAND); }
                    store(rd);
                }
                case Op.SB, Op.SH, Op.SW, Op.SD -> {
                    mv.visitLabel(tryStart[i]);
                    mv.visitVarInsn(Opcodes.ALOAD, MEM_ARG);
                    address(rs1, imm);
                    load(rs2);
                    String name = switch (op) {
                        case Op.SB -> "store8";
                        case Op.SH -> "store16";
                        case Op.SW -> "store32";
                        default -> "store64";
                    };
                    mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, MEM, name, "(JJ)V", false);
                    mv.visitLabel(tryEnd[i]);
                }
                case Op.ADDI -> immediate(rs1, imm, Opcodes.LADD, rd);
                case Op.XORI -> immediate(rs1, imm, Opcodes.LXOR, rd);
                case Op.ORI -> immediate(rs1, imm, Opcodes.LOR, rd);
                case Op.ANDI -> immediate(rs1, imm, Opcodes.LAND, rd);
                case Op.SLTI -> { load(rs1); pushLong(imm); helper("slt"); store(rd); }
                case Op.SLTIU -> { load(rs1); pushLong(imm); helper("sltu"); store(rd); }
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
                case Op.SLT -> { load(rs1); load(rs2); helper("slt"); store(rd); }
                case Op.SLTU -> { load(rs1); load(rs2); helper("sltu"); store(rd); }
                case Op.ADDIW -> { load(rs1); pushLong(imm); mv.visitInsn(Opcodes.LADD); word(rd); }
                case Op.SLLIW -> shiftWordImm(rs1, imm, Opcodes.ISHL, rd);
                case Op.SRLIW -> shiftWordImm(rs1, imm, Opcodes.IUSHR, rd);
                case Op.SRAIW -> shiftWordImm(rs1, imm, Opcodes.ISHR, rd);
                case Op.ADDW -> { load(rs1); load(rs2); mv.visitInsn(Opcodes.LADD); word(rd); }
                case Op.SUBW -> { load(rs1); load(rs2); mv.visitInsn(Opcodes.LSUB); word(rd); }
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
                default -> throw new IllegalArgumentException("operation " + op + " is not translatable");
            }
            return false;
        }

        /**
         * The closing branch of a self-looping block: taken, it jumps back to the block's start
         * without leaving the method while the slice's budget covers another pass.
         */
        private void selfLoop(int op, int rs1, int rs2, long next) {
            load(rs1);
            load(rs2);
            compare(op);
            Label taken = new Label(), leave = new Label();
            mv.visitJumpInsn(jumpIf(op), taken);
            exit(next);
            mv.visitLabel(taken);
            int len = block.length();
            mv.visitVarInsn(Opcodes.LLOAD, LEFT);
            pushLong(len);
            mv.visitInsn(Opcodes.LCMP);
            mv.visitJumpInsn(Opcodes.IFLT, leave);
            mv.visitVarInsn(Opcodes.LLOAD, LEFT);
            pushLong(len);
            mv.visitInsn(Opcodes.LSUB);
            mv.visitVarInsn(Opcodes.LSTORE, LEFT);
            mv.visitJumpInsn(Opcodes.GOTO, top);
            mv.visitLabel(leave);
            exit(block.pc);
        }

        /** Leaves a self-looping block for {@code pc}. */
        private void exit(long pc) {
            writeBack(writtenAnywhere);
            storeLoopRetired();
            pushLong(pc);
            mv.visitInsn(Opcodes.LRETURN);
        }

        /** runner.loopRetired = (budget - length) - left: the instructions of the completed earlier passes. */
        private void storeLoopRetired() {
            if (!block.selfLoop) return;
            mv.visitVarInsn(Opcodes.ALOAD, RUNNER_ARG);
            mv.visitVarInsn(Opcodes.ALOAD, RUNNER_ARG);
            mv.visitFieldInsn(Opcodes.GETFIELD, RUNNER, "budget", "J");
            pushLong(block.length());
            mv.visitInsn(Opcodes.LSUB);
            mv.visitVarInsn(Opcodes.LLOAD, LEFT);
            mv.visitInsn(Opcodes.LSUB);
            mv.visitFieldInsn(Opcodes.PUTFIELD, RUNNER, "loopRetired", "J");
        }

        private void compare(int op) {
            if (op == Op.BLTU || op == Op.BGEU) {
                mv.visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/Long", "compareUnsigned", "(JJ)I", false);
            } else {
                mv.visitInsn(Opcodes.LCMP);
            }
        }

        private static int jumpIf(int op) {
            return switch (op) {
                case Op.BEQ -> Opcodes.IFEQ;
                case Op.BNE -> Opcodes.IFNE;
                case Op.BLT, Op.BLTU -> Opcodes.IFLT;
                default -> Opcodes.IFGE;
            };
        }

        private void address(int rs1, long imm) {
            load(rs1);
            if (imm != 0) {
                pushLong(imm);
                mv.visitInsn(Opcodes.LADD);
            }
        }

        private void immediate(int rs1, long imm, int opcode, int rd) {
            load(rs1);
            pushLong(imm);
            mv.visitInsn(opcode);
            store(rd);
        }

        private void binary(int rs1, int rs2, int opcode, int rd) {
            load(rs1);
            load(rs2);
            mv.visitInsn(opcode);
            store(rd);
        }

        private void shiftImm(int rs1, long imm, int opcode, int rd) {
            load(rs1);
            pushInt((int) imm);
            mv.visitInsn(opcode);
            store(rd);
        }

        /** A long shift by a register: Java masks the count by 63, as RV64 does. */
        private void shift(int rs1, int rs2, int opcode, int rd) {
            load(rs1);
            load(rs2);
            mv.visitInsn(Opcodes.L2I);
            mv.visitInsn(opcode);
            store(rd);
        }

        private void shiftWordImm(int rs1, long imm, int opcode, int rd) {
            load(rs1);
            mv.visitInsn(Opcodes.L2I);
            pushInt((int) imm);
            mv.visitInsn(opcode);
            mv.visitInsn(Opcodes.I2L);
            store(rd);
        }

        /** A 32-bit operation on the low words (int shifts mask by 31, as the *W forms do), sign-extended. */
        private void wordOp(int rs1, int rs2, int opcode, int rd) {
            load(rs1);
            mv.visitInsn(Opcodes.L2I);
            load(rs2);
            mv.visitInsn(Opcodes.L2I);
            mv.visitInsn(opcode);
            mv.visitInsn(Opcodes.I2L);
            store(rd);
        }

        private void call(int rs1, int rs2, String name, int rd) {
            load(rs1);
            load(rs2);
            helper(name);
            store(rd);
        }

        private void helper(String name) {
            mv.visitMethodInsn(Opcodes.INVOKESTATIC, OPS, name, "(JJ)J", false);
        }

        /** Truncates the long on the stack to 32 bits, sign-extends it and stores it in rd. */
        private void word(int rd) {
            mv.visitInsn(Opcodes.L2I);
            mv.visitInsn(Opcodes.I2L);
            store(rd);
        }

        private void load(int r) {
            if (r == 0) mv.visitInsn(Opcodes.LCONST_0);
            else mv.visitVarInsn(Opcodes.LLOAD, slot(r));
        }

        /** Stores the long on the stack in rd; a write to x0 is discarded. */
        private void store(int rd) {
            if (rd == 0) {
                mv.visitInsn(Opcodes.POP2);
            } else {
                mv.visitVarInsn(Opcodes.LSTORE, slot(rd));
                written[rd] = true;
            }
        }

        private void writeBack(boolean[] regs) {
            for (int r = 1; r < 32; r++) {
                if (!regs[r]) continue;
                mv.visitVarInsn(Opcodes.ALOAD, X);
                pushInt(r);
                mv.visitVarInsn(Opcodes.LLOAD, slot(r));
                mv.visitInsn(Opcodes.LASTORE);
            }
        }

        private void pushLong(long v) {
            if (v == 0) mv.visitInsn(Opcodes.LCONST_0);
            else if (v == 1) mv.visitInsn(Opcodes.LCONST_1);
            else mv.visitLdcInsn(v);
        }

        private void pushInt(int v) {
            if (v >= -1 && v <= 5) mv.visitInsn(Opcodes.ICONST_0 + v);
            else if (v >= Byte.MIN_VALUE && v <= Byte.MAX_VALUE) mv.visitIntInsn(Opcodes.BIPUSH, v);
            else mv.visitLdcInsn(v);
        }

        private static int slot(int r) { return FIRST_REG + 2 * (r - 1); }

        private static int op(long e) { return (int) e & 0xff; }

        private static int size(long e) { return (e & Op.COMPRESSED) != 0 ? 2 : 4; }

        private static boolean accessesMemory(int op) {
            return op >= Op.LB && op <= Op.SD;
        }
    }
}
