package io.hotvisor.runtime.arch.riscv;

import io.hotvisor.runtime.memory.GuestMemory;
import java.util.ArrayList;
import java.util.List;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * Emits the {@code exec} method of one {@link Region}: the control flow between its blocks, the
 * instruction budget, and the two ways out.
 *
 * <ul>
 * <li>Entry: the registers the region uses are loaded from the register file into locals; the
 * head's length is taken from the budget ({@link BlockRunner} only enters when it covers the head).
 * <li>An exit to a member block jumps to it when the budget left covers that whole block, and, after
 * a block that stores, when the page's decodes are still those the region was translated from (a
 * store into the region's own code ends it at the next block boundary). Otherwise, and for every
 * other target, the method leaves: the registers the region writes go back to the register file,
 * {@link BlockRunner#retired} gets the instructions retired, and the next pc is returned.
 * <li>A fault (only a {@code GuestMemory} accessor call throws) goes through a stub naming the
 * instruction, then the same write-back, {@link BlockRunner#retired} (instructions before the
 * faulting one) and {@link BlockRunner#faultPc}; the fault propagates. Registers not yet written
 * still hold their entry values in the locals, so the write-back is precise.
 * </ul>
 *
 * <p>One exit sequence and one fault sequence per method keep the bytecode small, which is what
 * lets C2 inline every access of a long region (see {@link Region#MAX_COST}).
 */
final class RegionEmitter {
    private static final String RUNNER = Type.getInternalName(BlockRunner.class);
    private static final String MEM = Type.getInternalName(GuestMemory.class);

    private final Region region;
    private final Bytecode b;
    private final MethodVisitor mv;
    private final InstructionEmitter ops;
    private final MemoryEmitter memory;
    private final Label[] starts;
    private final Label exit = new Label(), fault = new Label(), end = new Label();
    private final List<Stub> stubs = new ArrayList<>();
    /** Every register the region writes: what goes back to the register file wherever it leaves. */
    private final boolean[] writes = new boolean[32];

    /** A fault handler's entry for one memory instruction. */
    private record Stub(Label label, long pc, int delta) {}

    RegionEmitter(MethodVisitor mv, Region region) {
        this.region = region;
        this.b = new Bytecode(mv);
        this.mv = mv;
        this.ops = new InstructionEmitter(b);
        this.memory = new MemoryEmitter(b);
        this.starts = new Label[region.blocks.length];
        for (int k = 0; k < starts.length; k++) starts[k] = new Label();
    }

    void emit() {
        mv.visitCode();
        prologue();
        for (int k = 0; k < region.blocks.length; k++) block(k);
        mv.visitLabel(exit);
        writeBack();
        retired();
        mv.visitFieldInsn(Opcodes.PUTFIELD, RUNNER, "retired", "J");
        mv.visitInsn(Opcodes.LRETURN);
        mv.visitLabel(fault);
        writeBack();
        retired();
        mv.visitVarInsn(Opcodes.ILOAD, Bytecode.FAULT_DELTA);
        mv.visitInsn(Opcodes.I2L);
        mv.visitInsn(Opcodes.LADD);
        mv.visitFieldInsn(Opcodes.PUTFIELD, RUNNER, "retired", "J");
        mv.visitVarInsn(Opcodes.ALOAD, Bytecode.RUNNER);
        mv.visitVarInsn(Opcodes.LLOAD, Bytecode.FAULT_PC);
        mv.visitFieldInsn(Opcodes.PUTFIELD, RUNNER, "faultPc", "J");
        mv.visitInsn(Opcodes.ATHROW);
        for (Stub s : stubs) {
            mv.visitLabel(s.label());
            b.pushLong(s.pc());
            mv.visitVarInsn(Opcodes.LSTORE, Bytecode.FAULT_PC);
            b.pushInt(s.delta());
            mv.visitVarInsn(Opcodes.ISTORE, Bytecode.FAULT_DELTA);
            mv.visitJumpInsn(Opcodes.GOTO, fault);
        }
        mv.visitLabel(end);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
    }

    /** Bytes of the emitted method's code; valid after {@link #emit}. */
    int codeSize() { return end.getOffset(); }

    private void prologue() {
        boolean[] used = new boolean[32];
        for (Block block : region.blocks) {
            for (long e : block.entries) {
                used[Bytecode.rd(e)] = used[Bytecode.rs1(e)] = used[Bytecode.rs2(e)] = true;
                int op = Bytecode.op(e);
                if (!Bytecode.isBranch(op) && !Bytecode.isStore(op) && op != Op.FENCE) writes[Bytecode.rd(e)] = true;
            }
        }
        writes[0] = false;
        for (int r = 1; r < 32; r++) {
            if (!used[r]) continue;
            mv.visitVarInsn(Opcodes.ALOAD, Bytecode.X);
            b.pushInt(r);
            mv.visitInsn(Opcodes.LALOAD);
            mv.visitVarInsn(Opcodes.LSTORE, Bytecode.slot(r));
        }
        mv.visitVarInsn(Opcodes.ALOAD, Bytecode.MEM);
        mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, MEM, "ramForFetch", "()[B", false);
        mv.visitVarInsn(Opcodes.ASTORE, Bytecode.RAM);
        mv.visitVarInsn(Opcodes.ALOAD, Bytecode.MEM);
        mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, MEM, "size", "()J", false);
        mv.visitVarInsn(Opcodes.LSTORE, Bytecode.SIZE);
        mv.visitVarInsn(Opcodes.ALOAD, Bytecode.MEM);
        mv.visitMethodInsn(Opcodes.INVOKEVIRTUAL, MEM, "decodedPages", "()[[J", false);
        mv.visitInsn(Opcodes.DUP);
        mv.visitVarInsn(Opcodes.ASTORE, Bytecode.DECODED);
        b.pushInt(region.head().pageIndex);
        mv.visitInsn(Opcodes.AALOAD);
        mv.visitVarInsn(Opcodes.ASTORE, Bytecode.PAGE);
        mv.visitVarInsn(Opcodes.ALOAD, Bytecode.RUNNER);
        mv.visitFieldInsn(Opcodes.GETFIELD, RUNNER, "budget", "J");
        mv.visitInsn(Opcodes.DUP2);
        mv.visitVarInsn(Opcodes.LSTORE, Bytecode.BUDGET);
        b.pushLong(region.head().length());
        mv.visitInsn(Opcodes.LSUB);
        mv.visitVarInsn(Opcodes.LSTORE, Bytecode.LEFT);
    }

    private void block(int k) {
        Block block = region.blocks[k];
        long[] entries = block.entries;
        int n = entries.length;
        mv.visitLabel(starts[k]);
        for (int i = 0; i < n; i++) {
            long e = entries[i];
            long pc = block.pcs[i];
            int op = Bytecode.op(e);
            if (Block.endsBlock(op)) {
                control(k, e, pc);
                return;
            }
            if (Bytecode.isLoad(op)) {
                memory.load(op, Bytecode.rd(e), Bytecode.rs1(e), Bytecode.imm(e), stub(pc, i - n));
            } else if (Bytecode.isStore(op)) {
                memory.store(op, Bytecode.rs1(e), Bytecode.rs2(e), Bytecode.imm(e), stub(pc, i - n));
            } else {
                ops.emit(e, pc);
            }
        }
        edge(k, block.pcs[n - 1] + Bytecode.size(entries[n - 1]));
    }

    private Label stub(long pc, int delta) {
        Stub s = new Stub(new Label(), pc, delta);
        stubs.add(s);
        return s.label();
    }

    /** The block's closing control transfer. */
    private void control(int k, long e, long pc) {
        int op = Bytecode.op(e), rd = Bytecode.rd(e);
        long imm = Bytecode.imm(e);
        long next = pc + Bytecode.size(e);
        switch (op) {
            case Op.JAL -> {
                b.pushLong(next);
                b.store(rd);
                edge(k, pc + imm);
            }
            case Op.JALR -> {
                b.load(Bytecode.rs1(e));
                b.pushLong(imm);
                mv.visitInsn(Opcodes.LADD);
                b.pushLong(~1L);
                mv.visitInsn(Opcodes.LAND);
                mv.visitVarInsn(Opcodes.LSTORE, Bytecode.TMP);
                b.pushLong(next);
                b.store(rd);
                mv.visitVarInsn(Opcodes.LLOAD, Bytecode.TMP);
                mv.visitJumpInsn(Opcodes.GOTO, exit);
            }
            default -> {
                b.load(Bytecode.rs1(e));
                b.load(Bytecode.rs2(e));
                if (op == Op.BLTU || op == Op.BGEU) {
                    mv.visitMethodInsn(Opcodes.INVOKESTATIC, "java/lang/Long", "compareUnsigned", "(JJ)I", false);
                } else {
                    mv.visitInsn(Opcodes.LCMP);
                }
                Label taken = new Label();
                mv.visitJumpInsn(switch (op) {
                    case Op.BEQ -> Opcodes.IFEQ;
                    case Op.BNE -> Opcodes.IFNE;
                    case Op.BLT, Op.BLTU -> Opcodes.IFLT;
                    default -> Opcodes.IFGE;
                }, taken);
                edge(k, next);
                mv.visitLabel(taken);
                edge(k, pc + imm);
            }
        }
    }

    /** Continues from block k to {@code target}: inside the method when it is a member and may run, else out. */
    private void edge(int k, long target) {
        int j = region.indexOf(target);
        if (j >= 0) {
            Label out = new Label();
            if (stores(region.blocks[k])) {
                mv.visitVarInsn(Opcodes.ALOAD, Bytecode.DECODED);
                b.pushInt(region.head().pageIndex);
                mv.visitInsn(Opcodes.AALOAD);
                mv.visitVarInsn(Opcodes.ALOAD, Bytecode.PAGE);
                mv.visitJumpInsn(Opcodes.IF_ACMPNE, out);
            }
            long len = region.blocks[j].length();
            mv.visitVarInsn(Opcodes.LLOAD, Bytecode.LEFT);
            b.pushLong(len);
            mv.visitInsn(Opcodes.LSUB);
            mv.visitInsn(Opcodes.DUP2);
            mv.visitVarInsn(Opcodes.LSTORE, Bytecode.LEFT);
            mv.visitInsn(Opcodes.LCONST_0);
            mv.visitInsn(Opcodes.LCMP);
            mv.visitJumpInsn(Opcodes.IFGE, starts[j]);
            // not covered: give the block's length back and leave before it
            mv.visitVarInsn(Opcodes.LLOAD, Bytecode.LEFT);
            b.pushLong(len);
            mv.visitInsn(Opcodes.LADD);
            mv.visitVarInsn(Opcodes.LSTORE, Bytecode.LEFT);
            mv.visitLabel(out);
        }
        b.pushLong(target);
        mv.visitJumpInsn(Opcodes.GOTO, exit);
    }

    private static boolean stores(Block block) {
        for (long e : block.entries) {
            if (Bytecode.isStore(Bytecode.op(e))) return true;
        }
        return false;
    }

    /** Pushes the runner and the instructions retired up to the current block's end: budget - left. */
    private void retired() {
        mv.visitVarInsn(Opcodes.ALOAD, Bytecode.RUNNER);
        mv.visitVarInsn(Opcodes.LLOAD, Bytecode.BUDGET);
        mv.visitVarInsn(Opcodes.LLOAD, Bytecode.LEFT);
        mv.visitInsn(Opcodes.LSUB);
    }

    private void writeBack() {
        for (int r = 1; r < 32; r++) {
            if (!writes[r]) continue;
            mv.visitVarInsn(Opcodes.ALOAD, Bytecode.X);
            b.pushInt(r);
            mv.visitVarInsn(Opcodes.LLOAD, Bytecode.slot(r));
            mv.visitInsn(Opcodes.LASTORE);
        }
    }
}
