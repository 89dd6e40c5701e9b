package io.hotvisor.runtime.arch.riscv;

import static io.hotvisor.runtime.arch.riscv.Asm.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Jumps, links and conditional branches. */
class ControlFlowTest {
    private static final long CODE = TestMachine.CODE;

    @Test
    void jalLinksTheNextInstructionAndJumpsForward() {
        Asm a = new Asm().jal(RA, "target").li(A0, 1).ecall().label("target").li(A0, 2).ecall();
        TestMachine m = new TestMachine(a).runToEcall();
        assertEquals(CODE + 4, m.reg(RA));
        assertEquals(2L, m.reg(A0));
    }

    @Test
    void jalJumpsBackward() {
        Asm a = new Asm().j("start").label("back").li(A0, 7).ecall().label("start").jal(ZERO, "back");
        assertEquals(7L, new TestMachine(a).runToEcall().reg(A0));
    }

    @Test
    void jalrClearsBit0OfTheTargetAndLinks() {
        Asm a = new Asm().la(T0, "target").addi(T0, T0, 1).jalr(RA, T0, 0).li(A0, 1).ecall()
                .label("target").li(A0, 2).ecall();
        TestMachine m = new TestMachine(a).runToEcall();
        assertEquals(2L, m.reg(A0));
        assertEquals(CODE + 16, m.reg(RA)); // la is two instructions, then addi, then jalr at +12
    }

    @Test
    void jalrAddsItsImmediate() {
        Asm a = new Asm().la(T0, "target").jalr(ZERO, T0, 8).label("target").li(A0, 1).ecall().li(A0, 2).ecall();
        assertEquals(2L, new TestMachine(a).runToEcall().reg(A0));
    }

    @Test
    void jalrWithTheSameLinkAndBaseRegisterJumpsToTheOldValue() {
        Asm a = new Asm().la(RA, "target").jalr(RA, RA, 0).li(A0, 1).ecall().label("target").li(A0, 2).ecall();
        TestMachine m = new TestMachine(a).runToEcall();
        assertEquals(2L, m.reg(A0));
        assertEquals(CODE + 12, m.reg(RA));
    }

    /** Runs {@code branch a1, a2 -> taken} and says whether it was taken. */
    private static boolean taken(Branch branch, long rs1, long rs2) {
        Asm a = new Asm();
        branch.emit(a, A1, A2, "taken");
        a.li(A0, 0).ecall().label("taken").li(A0, 1).ecall();
        return new TestMachine(a).set(A1, rs1).set(A2, rs2).runToEcall().reg(A0) == 1;
    }

    @FunctionalInterface
    private interface Branch { Asm emit(Asm a, int rs1, int rs2, String label); }

    @Test
    void bltComparesSigned() {
        assertTrue(taken(Asm::blt, -1, 1));
        assertFalse(taken(Asm::blt, 1, -1));
    }

    @Test
    void bltuComparesUnsigned() {
        assertFalse(taken(Asm::bltu, -1, 1));
        assertTrue(taken(Asm::bltu, 1, -1));
    }

    @Test
    void bgeComparesSignedAndIncludesEquality() {
        assertTrue(taken(Asm::bge, 1, -1));
        assertTrue(taken(Asm::bge, -3, -3));
        assertFalse(taken(Asm::bge, Long.MIN_VALUE, Long.MAX_VALUE));
    }

    @Test
    void bgeuComparesUnsignedAndIncludesEquality() {
        assertTrue(taken(Asm::bgeu, Long.MIN_VALUE, Long.MAX_VALUE));
        assertTrue(taken(Asm::bgeu, 0, 0));
        assertFalse(taken(Asm::bgeu, 1, -1));
    }

    @Test
    void beqAndBneCompareAll64Bits() {
        assertFalse(taken(Asm::beq, 1, 0x1_0000_0001L));
        assertTrue(taken(Asm::bne, 1, 0x1_0000_0001L));
        assertTrue(taken(Asm::beq, -1, -1));
    }

    @Test
    void backwardBranchLoops() {
        Asm a = new Asm().li(A0, 0).li(A1, 10).label("loop").addi(A0, A0, 3).addi(A1, A1, -1).bne(A1, ZERO, "loop").ecall();
        assertEquals(30L, new TestMachine(a).runToEcall().reg(A0));
    }

    @Test
    void ecallStopsWithPcAfterIt() {
        TestMachine m = new TestMachine(new Asm().nop().ecall().nop()).runToEcall();
        assertEquals(CODE + 8, m.hart.pc());
    }
}
