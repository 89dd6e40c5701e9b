package io.hotvisor.runtime.arch.riscv;

import static io.hotvisor.runtime.arch.riscv.Asm.*;
import static io.hotvisor.runtime.arch.riscv.TestMachine.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The run loop's contract: the instruction budget, and decoded instructions never outliving their bytes. */
class RunLoopTest {
    private static final int LI_A0_2 = 0x0020_0513; // addi a0, zero, 2 (llvm-mc)

    private static Asm counterLoop() {
        return new Asm().label("loop").addi(A0, A0, 1).j("loop");
    }

    @Test
    void runRetiresExactlyItsBudgetWhenNothingStopsIt() {
        TestMachine m = new TestMachine(counterLoop());
        assertEquals(Hart.EXIT_BUDGET, m.hart.run(1_001));
        assertEquals(1_001L, m.hart.instret());
        assertEquals(501L, m.reg(A0));
        assertEquals(CODE + 4, m.hart.pc());
    }

    @Test
    void instretAccumulatesAcrossRuns() {
        TestMachine m = new TestMachine(counterLoop());
        m.hart.run(7);
        m.hart.run(8);
        assertEquals(15L, m.hart.instret());
        assertEquals(8L, m.reg(A0));
    }

    @Test
    void zeroBudgetRunsNothing() {
        TestMachine m = new TestMachine(counterLoop());
        assertEquals(Hart.EXIT_BUDGET, m.hart.run(0));
        assertEquals(0L, m.hart.instret());
        assertEquals(CODE, m.hart.pc());
    }

    @Test
    void resetStartsAtTheEntryWithHartIdAndOpaqueInA0A1() {
        TestMachine m = new TestMachine(new Asm().ecall());
        m.hart.reset(CODE, 0xfeed);
        assertEquals(CODE, m.hart.pc());
        assertEquals(0L, m.reg(A0));
        assertEquals(0xfeedL, m.reg(A1));
    }

    /**
     * Executes the instruction at "patch" (li a0, 1), overwrites it with li a0, 2 using {@code store}
     * (t0 = its address, t1 = the new word), and executes it again.
     */
    private static long rerunAfterPatching(Consumer<Asm> store) {
        Asm a = new Asm().label("patch").li(A0, 1)
                .bne(S1, ZERO, "done").li(S1, 1)
                .la(T0, "patch");
        store.accept(a);
        a.j("patch").label("done").ecall();
        return new TestMachine(a).set(T1, LI_A0_2).runToEcall().reg(A0);
    }

    @Test
    void storeOverAnExecutedInstructionRunsTheNewOne() {
        assertEquals(2L, rerunAfterPatching(a -> a.sw(T1, T0, 0)));
    }

    @Test
    void byteStoresOverAnExecutedInstructionRunTheNewOne() {
        // li a0, 1 and li a0, 2 differ only in their immediate's byte (bits 20-27 of the word: byte 2)
        assertEquals(2L, rerunAfterPatching(a -> a.srli(T2, T1, 16).sb(T2, T0, 2)));
    }

    @Test
    void amoOverAnExecutedInstructionRunsTheNewOne() {
        assertEquals(2L, rerunAfterPatching(a -> a.amoW(AMOSWAP, ZERO, T1, T0)));
    }

    @Test
    void compressedInstructionOverwrittenByACompressedOneRunsTheNewOne() {
        Asm a = new Asm().label("patch").cLi(A0, 1)
                .bne(S1, ZERO, "done").li(S1, 1)
                .la(T0, "patch").li(T1, 0x4509).sh(T1, T0, 0) // c.li a0, 2
                .j("patch").label("done").ecall();
        assertEquals(2L, new TestMachine(a).runToEcall().reg(A0));
    }

    @Test
    void hostWriteOverDecodedCodeRunsTheNewCode() {
        TestMachine m = new TestMachine(new Asm().li(A0, 1).ecall());
        m.runToEcall();
        byte[] patched = new Asm().li(A0, 2).bytes();
        m.memory.write(CODE, patched, 0, patched.length);
        m.hart.reset(CODE, 0);
        assertEquals(2L, m.runToEcall().reg(A0));
    }

    @Test
    void instructionStraddlingAPageBoundaryRunsAgainAfterItsUpperHalfIsPatched() {
        Asm a = new Asm();
        while (a.offset() < 0xffe) a.cNop();
        a.label("patch").li(A0, 1) // bytes 0xffe-0x1001: the upper half is on the next 4 KiB page
                .bne(S1, ZERO, "done").li(S1, 1)
                .la(T0, "patch").srli(T2, T1, 16).sh(T2, T0, 2)
                .j("patch").label("done").ecall();
        assertEquals(2L, new TestMachine(a).set(T1, LI_A0_2).runToEcall().reg(A0));
    }
}
