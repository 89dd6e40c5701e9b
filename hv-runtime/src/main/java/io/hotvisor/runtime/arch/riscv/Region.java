package io.hotvisor.runtime.arch.riscv;

import io.hotvisor.runtime.memory.GuestMemory;
import java.util.ArrayList;
import java.util.List;

/**
 * The blocks one translation covers: a hot block (the head, where the translation is entered)
 * and the blocks of the same page it reaches through its static exits (fall-through, branch
 * targets, {@code jal} targets) that the page already holds, breadth first. {@link RegionEmitter}
 * compiles them into one method: an exit to a member is a jump inside the method (a loop when it
 * goes backwards), any other exit returns to the dispatcher. Registers stay in JVM locals across
 * the whole region, and a loop over several blocks runs as one JVM loop.
 *
 * <p>All members are valid together: they come from the same decoded page and cache epoch, so the
 * head's validity check in {@link BlockRunner} covers them all. The size is bounded by an
 * estimate of the bytecode the JIT inlines into the method ({@link #MAX_COST}): past about 8000
 * bytes C2 stops inlining the memory accesses and helpers, and such a region runs several times
 * slower than separate blocks (measured on the compute guest: a cost of 10000 ran at a quarter of
 * the speed of 7000, which beat single blocks by about a quarter).
 */
final class Region {
    static final int MAX_BLOCKS = 24;
    /** Estimated bytecode, inlined callees included, that one region may cost (C2's limit is 8000). */
    static final int MAX_COST = 7000;
    /** Register loads, write-backs and bookkeeping every region has. */
    private static final int FIXED_COST = 400;

    final Block[] blocks;

    private Region(Block[] blocks) {
        this.blocks = blocks;
    }

    Block head() { return blocks[0]; }

    /** The region of {@code head} alone (a self-looping block still loops inside it). */
    static Region single(Block head) {
        return new Region(new Block[] {head});
    }

    /**
     * Grows a region from {@code head} over the blocks of {@code page} (the cache's block table of
     * the head's page, or null) within {@code maxCost}.
     */
    static Region grow(Block head, Block[] page, int maxCost) {
        List<Block> members = new ArrayList<>();
        members.add(head);
        int cost = FIXED_COST + cost(head);
        for (int k = 0; k < members.size() && page != null; k++) {
            for (long target : targets(members.get(k))) {
                Block b = at(page, head, target);
                if (b == null || members.contains(b) || members.size() >= MAX_BLOCKS) continue;
                int c = cost(b);
                if (cost + c > maxCost) continue;
                members.add(b);
                cost += c;
            }
        }
        return new Region(members.toArray(new Block[0]));
    }

    /** The index of the member starting at {@code pc}, or -1. */
    int indexOf(long pc) {
        for (int i = 0; i < blocks.length; i++) {
            if (blocks[i].pc == pc) return i;
        }
        return -1;
    }

    /** Where {@code b} may continue, statically: nothing for {@code jalr}, whose target is a register. */
    static long[] targets(Block b) {
        int n = b.entries.length;
        long last = b.entries[n - 1];
        long pc = b.pcs[n - 1];
        long next = pc + Bytecode.size(last);
        int op = Bytecode.op(last);
        if (Bytecode.isBranch(op)) return new long[] {next, pc + Bytecode.imm(last)};
        if (op == Op.JAL) return new long[] {pc + Bytecode.imm(last)};
        if (op == Op.JALR) return new long[0];
        return new long[] {next};
    }

    /** The block of {@code page} at {@code pc} when it is on the head's page, translatable, and as current as the head. */
    private static Block at(Block[] page, Block head, long pc) {
        long off = pc - GuestMemory.RAM_BASE;
        if (off < 0 || (off >>> GuestMemory.PAGE_SHIFT) != head.pageIndex || (pc & 1) != 0) return null;
        Block b = page[(int) (off & ((1 << GuestMemory.PAGE_SHIFT) - 1)) >>> 1];
        if (b == null || b.entries.length == 0 || b.epoch != head.epoch || b.decodedPage != head.decodedPage) return null;
        return b;
    }

    /** Estimated bytecode of a block's translation, with what C2 inlines into it. */
    static int cost(Block b) {
        int c = 30;
        for (long e : b.entries) c += cost(Bytecode.op(e));
        return c;
    }

    private static int cost(int op) {
        return switch (op) {
            case Op.LB, Op.LH, Op.LW, Op.LD, Op.LBU, Op.LHU, Op.LWU -> 95;
            case Op.SB, Op.SH, Op.SW, Op.SD -> 115;
            case Op.DIVU, Op.REMU -> 80;
            case Op.DIV, Op.REM, Op.DIVW, Op.REMW, Op.DIVUW, Op.REMUW -> 55;
            case Op.MULH, Op.MULHSU, Op.MULHU -> 30;
            case Op.SLT, Op.SLTU, Op.SLTI, Op.SLTIU -> 25;
            case Op.BEQ, Op.BNE, Op.BLT, Op.BGE, Op.BLTU, Op.BGEU -> 25;
            default -> 8;
        };
    }
}
