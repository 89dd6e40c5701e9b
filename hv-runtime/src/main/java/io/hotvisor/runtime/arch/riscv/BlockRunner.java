package io.hotvisor.runtime.arch.riscv;

import io.hotvisor.runtime.memory.GuestMemory;
import io.hotvisor.runtime.memory.GuestMemoryFault;

/**
 * The translated tier of one hart: dispatches guest blocks, translating those the interpreter has
 * run {@link TranslationCache#hot()} times, and steps through everything else with the interpreter.
 *
 * <p>A translation covers a {@link Region}: the hot block it is entered at and the blocks of the
 * same page that block leads to, compiled as one method that jumps (and loops) between them and
 * returns to this dispatcher only for a target outside the region.
 *
 * <p>Instruction counting is exact: a region is entered only when the slice's budget covers its
 * head block, and it continues into another of its blocks only when the budget left covers all of
 * that block (the rest of a slice is interpreted); it reports the instructions it retired in
 * {@link #retired}, a faulting region those before the fault, and {@code instret} is brought up to
 * date after every region, so CSR reads in the interpreter see the same count as without
 * translation. Interrupts are looked for where the interpreter looks
 * (slice start, CSR writes, {@code sret}), all of which the interpreter executes.
 *
 * <p>Allocation-free once the guest's hot code is translated. Not thread-safe: it belongs to its hart.
 */
final class BlockRunner {
    private final Hart hart;
    private final TranslationCache cache;
    /** Read by a compiled region on entry: the slice's budget left, which covers at least its head block. */
    long budget;
    /** Written by a compiled region whenever it leaves: the instructions it retired (before the faulting one, on a fault). */
    long retired;
    /** Written by a compiled region's fault handler: the pc of the faulting instruction. */
    long faultPc;

    BlockRunner(Hart hart, TranslationCache cache) {
        this.hart = hart;
        this.cache = cache;
    }

    /** Runs at most {@code budget} instructions; the same contract as {@link Hart#run}. */
    int run(long budget) {
        final Hart h = hart;
        final long[] x = h.regs();
        final GuestMemory mem = h.memory();
        final long[][] decoded = mem.decodedPages();
        final long ramSize = mem.size();
        long pc = h.pc();
        long n = 0;
        Block prev = null;
        // Read once a slice: a flush from another thread (a live patch, in the rendezvous between
        // slices) is seen at the next slice; this hart's own fence.i re-reads it.
        int epoch = cache.epoch();
        while (n < budget) {
            Block b = prev == null ? null : prev.successor;
            if (b == null || b.pc != pc || b.epoch != epoch || decoded[b.pageIndex] != b.decodedPage) {
                b = lookup(pc, ramSize, decoded, epoch);
                if (prev != null) prev.successor = b;
            }
            prev = b;
            int len = b == null ? 0 : b.entries.length;
            CompiledBlock code = b == null ? null : b.code;
            if (code != null && len <= budget - n) {
                this.budget = budget - n;
                try {
                    pc = code.exec(x, mem, this);
                    long k = retired;
                    h.retire(k);
                    n += k;
                } catch (GuestMemoryFault f) {
                    long k = retired;
                    h.retire(k);
                    n += k + 1;
                    if (!h.blockFault(faultPc, f)) return Hart.EXIT_CRASH;
                    pc = h.pc();
                    prev = null;
                }
                continue;
            }
            // Interpreted: a cold block (counted towards translation), a non-translatable
            // instruction, or the tail of the slice that a whole block would overrun.
            if (code == null && len > 0 && ++b.runs == cache.hot()) {
                b.code = cache.translate(b);
            }
            if (len == 0 && fenceI(pc, ramSize)) {
                cache.invalidateAll();
                epoch = cache.epoch();
            }
            h.setPc(pc);
            int exit = h.interpret(Math.max(1, Math.min(len, budget - n)));
            n += h.steps();
            if (exit != Hart.EXIT_BUDGET) return exit;
            pc = h.pc();
            prev = null;
        }
        h.setPc(pc);
        return Hart.EXIT_BUDGET;
    }

    private boolean fenceI(long pc, long ramSize) {
        long off = pc - GuestMemory.RAM_BASE;
        return off >= 0 && off < ramSize - 1 && (hart.decodedAt(off) & 0xff) == Op.FENCE_I;
    }

    /** The block at {@code pc}, formed now if the page has none there; null outside RAM or for an uncacheable instruction. */
    private Block lookup(long pc, long ramSize, long[][] decoded, int epoch) {
        long off = pc - GuestMemory.RAM_BASE;
        if (off < 0 || off >= ramSize - 1 || (pc & 1) != 0) return null;
        int p = (int) (off >>> GuestMemory.PAGE_SHIFT);
        int slot = (int) (off & ((1 << GuestMemory.PAGE_SHIFT) - 1)) >>> 1;
        Block[][] pages = cache.pages();
        Block[] page = pages[p];
        Block b = page == null ? null : page[slot];
        if (b != null && b.decodedPage == decoded[p] && b.epoch == epoch) return b;
        b = form(pc, off, p, decoded, epoch);
        if (b != null) {
            if (page == null) {
                page = new Block[1 << (GuestMemory.PAGE_SHIFT - 1)];
                pages[p] = page;
            }
            page[slot] = b;
        }
        return b;
    }

    private Block form(long pc, long off, int p, long[][] decoded, int epoch) {
        long first = hart.decodedAt(off);
        long[] decodedPage = decoded[p];
        if (decodedPage == null) return null; // an instruction across a page boundary: never cached
        long pageEnd = (long) (p + 1) << GuestMemory.PAGE_SHIFT;
        long[] entries = new long[Block.MAX_LENGTH];
        int n = 0;
        long o = off;
        long e = first;
        while (n < Block.MAX_LENGTH) {
            int op = (int) e & 0xff;
            int size = (e & Op.COMPRESSED) != 0 ? 2 : 4;
            if (!Block.translatable(op) || o + size > pageEnd) break;
            entries[n++] = e;
            o += size;
            if (Block.endsBlock(op) || o + 2 > pageEnd) break;
            e = hart.decodedAt(o);
        }
        if (decoded[p] != decodedPage) return null; // written meanwhile: form it again next time
        long[] pcs = new long[n];
        long at = pc;
        for (int i = 0; i < n; i++) {
            pcs[i] = at;
            at += (entries[i] & Op.COMPRESSED) != 0 ? 2 : 4;
        }
        return new Block(pc, java.util.Arrays.copyOf(entries, n), pcs, decodedPage, p, epoch);
    }
}
