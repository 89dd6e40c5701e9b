package io.hotvisor.runtime.arch.riscv;

import static io.hotvisor.runtime.arch.riscv.Asm.*;
import static io.hotvisor.runtime.arch.riscv.TestMachine.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The block translator's own contract, beyond the ISA tests it also passes: hot blocks really run
 * translated; a fault inside a block is precise; budgets stay exact; flushes, {@code fence.i} and
 * stores retire translations, while stores to data that shares a page with code do not.
 */
class TranslatorTest {
    /** A machine whose blocks are translated at their first run, whatever engine the build chose. */
    private static Translated translated(Asm program) {
        TestMachine m = new TestMachine(program);
        TranslationCache cache = new TranslationCache(m.memory, 1);
        m.hart.useTranslations(cache);
        return new Translated(m, cache);
    }

    private record Translated(TestMachine machine, TranslationCache cache) {}

    /** Sums 1..a0 into a1 with a loop of two blocks, then ecalls. */
    private static Asm sumLoop() {
        return new Asm().label("loop").add(A1, A1, A0).addi(A0, A0, -1).bne(A0, ZERO, "loop").ecall();
    }

    @Test
    void aHotLoopRunsTranslatedAndComputesWhatTheInterpreterDoes() {
        Translated t = translated(sumLoop());
        t.machine().set(A0, 10_000).runToEcall();
        assertEquals(50_005_000L, t.machine().reg(A1));
        assertEquals(30_001L, t.machine().hart.instret()); // the ecall retires too
        assertThat(t.cache().translatedBlocks()).isPositive();
    }

    @Test
    void aFaultInsideABlockSeesEveryEarlierInstructionAndNoneAfter() {
        Asm a = withTrapHandler();
        a.li(A2, 7).li(A3, 9);
        long faultPc = a.here();
        a.ld(A0, A1, 0).li(A4, 5).ecall();
        Translated t = translated(trapHandler(a));
        TestMachine m = t.machine().set(A1, 0).set(A0, 1234);
        m.runToEcall();
        assertEquals(Csr.CAUSE_LOAD_ACCESS, m.reg(SCAUSE));
        assertEquals(faultPc, m.reg(SEPC));
        assertEquals(7L, m.reg(A2));
        assertEquals(9L, m.reg(A3));
        assertEquals(1234L, m.reg(A0));
        assertEquals(0L, m.reg(A4));
        assertThat(t.cache().translatedBlocks()).isPositive();
    }

    @Test
    void aFaultOnALaterPassOfASelfLoopingBlockIsPrecise() {
        Asm a = withTrapHandler();
        a.label("loop");
        long faultPc = a.here();
        a.ld(A0, A1, 0).addi(A1, A1, 8).addi(A2, A2, 1).bne(A2, A3, "loop").ecall();
        Translated t = translated(trapHandler(a));
        TestMachine m = t.machine().set(A1, RAM_END - 16).set(A3, 100);
        m.runToEcall();
        assertEquals(Csr.CAUSE_LOAD_ACCESS, m.reg(SCAUSE));
        assertEquals(faultPc, m.reg(SEPC));
        assertEquals(RAM_END, m.reg(STVAL));
        assertEquals(2L, m.reg(A2));
        assertEquals(RAM_END, m.reg(A1));
        // la (2) + csrw + two full passes (8) + nothing of the third; then the handler's 4 csrr and its ecall
        assertEquals(3 + 8 + 5, m.hart.instret());
    }

    @Test
    void everyBudgetRetiresExactlyAsManyInstructionsAsTheInterpreter() {
        for (long budget = 1; budget <= 40; budget++) {
            Translated t = translated(sumLoop());
            TestMachine plain = new TestMachine(sumLoop());
            plain.hart.useTranslations(null);
            t.machine().set(A0, 100);
            plain.set(A0, 100);
            for (int slice = 0; slice < 5; slice++) {
                t.machine().hart.run(budget);
                plain.hart.run(budget);
                assertEquals(plain.hart.instret(), t.machine().hart.instret(), "budget " + budget);
                assertEquals(plain.hart.pc(), t.machine().hart.pc(), "budget " + budget);
                assertEquals(plain.reg(A1), t.machine().reg(A1), "budget " + budget);
            }
        }
    }

    @Test
    void invalidateAllMakesTheHartTranslateAgain() {
        Translated t = translated(sumLoop());
        t.machine().set(A0, 1_000).hart.run(500);
        long before = t.cache().translatedBlocks();
        int generation = t.cache().generation();
        t.cache().invalidateAll();
        t.machine().runToEcall();
        assertEquals(generation + 1, t.cache().generation());
        assertThat(t.cache().translatedBlocks()).isGreaterThan(before);
        assertEquals(500_500L, t.machine().reg(A1));
    }

    @Test
    void fenceIDropsTheTranslations() {
        Asm a = new Asm().label("loop").addi(A0, A0, -1).bne(A0, ZERO, "loop").word(0x0000_100f).ecall(); // fence.i
        Translated t = translated(a);
        t.machine().set(A0, 10).runToEcall();
        assertEquals(1, t.cache().generation());
    }

    @Test
    void storesToDataOnACodePageKeepTheDecodesAndTheirTranslations() {
        // The loop and the word it keeps storing to share the first page, as a small guest's
        // .text and .bss do.
        Asm a = new Asm().la(T0, "data").label("loop").sd(A0, T0, 0).addi(A0, A0, -1).bne(A0, ZERO, "loop").ecall()
                .align4().word(0).label("data").word(0).word(0);
        Translated t = translated(a);
        t.machine().set(A0, 100).hart.run(8); // the first block (5) and the loop block (3)
        long[] page = t.machine().memory.decodedPages()[0];
        long blocks = t.cache().translatedBlocks();
        t.machine().runToEcall();
        assertThat(t.machine().memory.decodedPages()[0]).isSameAs(page);
        assertEquals(blocks, t.cache().translatedBlocks());
    }
}
