package io.hotvisor.runtime.arch.riscv;

import static io.hotvisor.runtime.arch.riscv.Asm.*;
import static io.hotvisor.runtime.arch.riscv.TestMachine.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Regions: a translation that covers several blocks of a page and loops between them inside one
 * method. Each test runs the same program translated (every block at its first run) and on the
 * interpreter alone and requires the same registers, pc and retired count: across a loop of
 * several blocks, a fault in a block after the head, every budget ending inside a region, and a
 * store that rewrites an instruction of the running region.
 */
class RegionTest {
    /** a1 += a0 over a loop of three blocks (two joined by jumps), a0 counting down, then ecall. */
    private static Asm threeBlockLoop() {
        return new Asm().label("loop").add(A1, A1, A0).j("second")
                .label("third").addi(A0, A0, -1).bne(A0, ZERO, "loop").ecall()
                .label("second").xori(A2, A1, 5).j("third");
    }

    private static TestMachine translated(Asm program, TranslationCache[] cache) {
        TestMachine m = new TestMachine(program);
        cache[0] = new TranslationCache(m.memory, 1);
        m.hart.useTranslations(cache[0]);
        return m;
    }

    private static TestMachine interpreted(Asm program) {
        TestMachine m = new TestMachine(program);
        m.hart.useTranslations(null);
        return m;
    }

    private static long[] registers(TestMachine m) {
        long[] r = new long[32];
        for (int i = 0; i < 32; i++) r[i] = m.reg(i);
        return r;
    }

    private static void assertSameState(TestMachine expected, TestMachine actual, String what) {
        assertArrayEquals(registers(expected), registers(actual), what);
        assertEquals(expected.hart.pc(), actual.hart.pc(), what);
        assertEquals(expected.hart.instret(), actual.hart.instret(), what);
    }

    @Test
    void aRegionCoversTheBlocksItsHeadLeadsToOnItsPage() {
        TranslationCache[] cache = new TranslationCache[1];
        TestMachine t = translated(threeBlockLoop(), cache);
        t.set(A0, 3).hart.run(6); // one pass: forms the three blocks (loop, second, third)
        Block head = cache[0].pages()[0][0];
        Region region = Region.grow(head, cache[0].pages()[0], Region.MAX_COST);
        assertThat(region.blocks).hasSize(3);
        assertThat(region.indexOf(head.pc)).isZero();
        assertThat(Region.grow(head, cache[0].pages()[0], 0).blocks).containsExactly(head);
    }

    @Test
    void aLoopOverSeveralBlocksComputesWhatTheInterpreterDoes() {
        TranslationCache[] cache = new TranslationCache[1];
        TestMachine t = translated(threeBlockLoop(), cache).set(A0, 10_000);
        TestMachine plain = interpreted(threeBlockLoop()).set(A0, 10_000);
        t.runToEcall();
        plain.runToEcall();
        assertSameState(plain, t, "after the loop");
        assertEquals(50_005_000L, t.reg(A1));
        assertThat(cache[0].translatedBlocks()).isPositive();
    }

    @Test
    void everyBudgetEndingInsideARegionRetiresExactlyAsTheInterpreter() {
        for (long budget = 1; budget <= 30; budget++) {
            TranslationCache[] cache = new TranslationCache[1];
            TestMachine t = translated(threeBlockLoop(), cache).set(A0, 200);
            TestMachine plain = interpreted(threeBlockLoop()).set(A0, 200);
            for (int slice = 0; slice < 8; slice++) {
                t.hart.run(budget);
                plain.hart.run(budget);
                assertSameState(plain, t, "budget " + budget + ", slice " + slice);
            }
        }
    }

    /** Loads from a1 in the region's second block, a1 walking off the end of RAM. */
    private static Asm faultInSecondBlock() {
        Asm a = withTrapHandler();
        a.label("loop").addi(A2, A2, 1).j("load")
                .label("load").ld(A0, A1, 0).addi(A1, A1, 8).xori(A4, A2, 3).bne(A2, A3, "loop").ecall();
        return trapHandler(a);
    }

    @Test
    void aFaultInABlockAfterTheHeadIsPrecise() {
        TranslationCache[] cache = new TranslationCache[1];
        TestMachine t = translated(faultInSecondBlock(), cache).set(A1, RAM_END - 40).set(A3, 100);
        TestMachine plain = interpreted(faultInSecondBlock()).set(A1, RAM_END - 40).set(A3, 100);
        t.runToEcall();
        plain.runToEcall();
        assertSameState(plain, t, "after the trap");
        assertEquals(Csr.CAUSE_LOAD_ACCESS, t.reg(SCAUSE));
        assertEquals(RAM_END, t.reg(STVAL));
        assertEquals(6L, t.reg(A2)); // five loads succeeded; the sixth pass faulted in its second block
    }

    /**
     * The loop's second block rewrites the first block's {@code addi a0, a0, 1} into
     * {@code addi a0, a0, 2} on its first pass: the next pass must run the new instruction.
     */
    private static Asm selfModifying() {
        return new Asm().la(T1, "patched").li(T0, 0x0025_0513) // addi a0, a0, 2 (llvm-mc)
                .label("loop").label("patched").addi(A0, A0, 1).j("store")
                .label("store").sw(T0, T1, 0).addi(A1, A1, -1).bne(A1, ZERO, "loop").ecall();
    }

    @Test
    void aStoreIntoTheRunningRegionsCodeIsSeenAtTheNextBlock() {
        TranslationCache[] cache = new TranslationCache[1];
        TestMachine t = translated(selfModifying(), cache).set(A1, 20);
        TestMachine plain = interpreted(selfModifying()).set(A1, 20);
        t.runToEcall();
        plain.runToEcall();
        assertSameState(plain, t, "after the loop");
        assertEquals(1 + 2 * 19, t.reg(A0));
    }

    @Test
    void aRandomGuestRunsAsOnTheInterpreterSliceBySlice() throws Exception {
        byte[] elf = RandomGuest.elf(7, 120, 50, false);
        byte[] misaligned = RandomGuest.elf(8, 120, 50, true);
        for (byte[] image : new byte[][] {elf, misaligned}) {
            for (long budget : new long[] {7, 97, 1_000}) {
                RandomRun plain = new RandomRun(image, false);
                RandomRun t = new RandomRun(image, true);
                for (int slice = 0; slice < 200 && !plain.done[0]; slice++) {
                    plain.hart.run(budget);
                    t.hart.run(budget);
                    assertEquals(plain.hart.instret(), t.hart.instret(), "budget " + budget);
                    assertEquals(plain.hart.pc(), t.hart.pc(), "budget " + budget);
                    for (int r = 0; r < 32; r++) assertEquals(plain.hart.reg(r), t.hart.reg(r), "x" + r + ", budget " + budget);
                }
            }
        }
    }

    /** A RandomGuest loaded into its own memory, translated at every block's first run or interpreted. */
    private static final class RandomRun {
        final boolean[] done = new boolean[1];
        final Hart hart;

        RandomRun(byte[] image, boolean translate) throws Exception {
            io.hotvisor.runtime.memory.GuestMemory mem = new io.hotvisor.runtime.memory.GuestMemory(4 << 20);
            io.hotvisor.runtime.elf.ElfImage elf = io.hotvisor.runtime.elf.ElfImage.parse(image);
            elf.load(image, mem);
            hart = new Hart(0, mem, h -> {
                if (h.reg(17) == 0x53525354L) done[0] = true;
                return Hart.EXIT_ECALL;
            }, () -> 0);
            hart.useTranslations(translate ? new TranslationCache(mem, 1) : null);
            hart.reset(elf.entry(), 0);
        }
    }
}
