package io.hotvisor.runtime.arch.riscv;

import static io.hotvisor.runtime.arch.riscv.Asm.*;
import static io.hotvisor.runtime.arch.riscv.TestMachine.DATA;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.function.LongBinaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The A extension: LR/SC reservations and AMOs (RISC-V ISA manual, "A" chapter). */
class AtomicsTest {
    @Test
    void scWithoutLrFailsAndDoesNotStore() {
        Asm a = new Asm().scD(A0, A2, A1).ld(A3, A1, 0).ecall();
        TestMachine m = new TestMachine(a).set(A1, DATA).set(A2, 42);
        m.memory.store64(DATA, 7);
        m.runToEcall();
        assertEquals(1L, m.reg(A0));
        assertEquals(7L, m.reg(A3));
    }

    @Test
    void lrThenScToTheSameAddressSucceedsAndStores() {
        Asm a = new Asm().lrD(A3, A1).scD(A0, A2, A1).ecall();
        TestMachine m = new TestMachine(a).set(A1, DATA).set(A2, 42);
        m.memory.store64(DATA, 7);
        m.runToEcall();
        assertEquals(0L, m.reg(A0));
        assertEquals(7L, m.reg(A3));
        assertEquals(42L, m.memory.load64(DATA));
    }

    @Test
    void secondScAfterASuccessfulOneFails() {
        Asm a = new Asm().lrW(A3, A1).scW(A0, A2, A1).scW(A4, A5, A1).ecall();
        TestMachine m = new TestMachine(a).set(A1, DATA).set(A2, 42).set(A5, 99);
        m.runToEcall();
        assertEquals(0L, m.reg(A0));
        assertEquals(1L, m.reg(A4));
        assertEquals(42L, m.memory.load32(DATA));
    }

    @Test
    void scToAnotherAddressThanTheLrFails() {
        Asm a = new Asm().lrD(A3, A1).addi(A4, A1, 8).scD(A0, A2, A4).ecall();
        TestMachine m = new TestMachine(a).set(A1, DATA).set(A2, 42).runToEcall();
        assertEquals(1L, m.reg(A0));
        assertEquals(0L, m.memory.load64(DATA + 8));
    }

    @Test
    void lrWSignExtends() {
        TestMachine m = new TestMachine(new Asm().lrW(A0, A1).ecall()).set(A1, DATA);
        m.memory.store32(DATA, 0x8000_0001L);
        assertEquals(0xffff_ffff_8000_0001L, m.runToEcall().reg(A0));
    }

    @Test
    void scWStoresOnlyTheLowWord() {
        Asm a = new Asm().lrW(A3, A1).scW(A0, A2, A1).ecall();
        TestMachine m = new TestMachine(a).set(A1, DATA).set(A2, 0x1111_1111_2222_2222L);
        m.memory.store64(DATA, 0x5555_5555_0000_0000L);
        m.runToEcall();
        assertEquals(0x5555_5555_2222_2222L, m.memory.load64(DATA));
    }

    /** Each AMO with the value it stores given the old memory value and rs2, per the spec's definitions. */
    enum Amo {
        SWAP(AMOSWAP, (old, b) -> b),
        ADD(AMOADD, Long::sum),
        XOR(AMOXOR, (old, b) -> old ^ b),
        AND(AMOAND, (old, b) -> old & b),
        OR(AMOOR, (old, b) -> old | b),
        MIN(AMOMIN, Math::min),
        MAX(AMOMAX, Math::max),
        MINU(AMOMINU, (old, b) -> Long.compareUnsigned(old, b) <= 0 ? old : b),
        MAXU(AMOMAXU, (old, b) -> Long.compareUnsigned(old, b) >= 0 ? old : b);

        final int funct5;
        final LongBinaryOperator result;

        Amo(int funct5, LongBinaryOperator result) {
            this.funct5 = funct5;
            this.result = result;
        }
    }

    // Old and operand differ in sign, so that signed and unsigned min/max disagree.
    private static final long OLD_D = 0x8000_0000_0000_0005L, OPERAND_D = 0x0000_0000_0000_0003L;
    private static final int OLD_W = 0x8000_0005, OPERAND_W = 0x0000_0003;

    @ParameterizedTest
    @EnumSource(Amo.class)
    void amoDReturnsTheOldValueAndStoresTheResult(Amo amo) {
        TestMachine m = new TestMachine(new Asm().amoD(amo.funct5, A0, A2, A1).ecall()).set(A1, DATA).set(A2, OPERAND_D);
        m.memory.store64(DATA, OLD_D);
        m.runToEcall();
        assertEquals(OLD_D, m.reg(A0));
        assertEquals(amo.result.applyAsLong(OLD_D, OPERAND_D), m.memory.load64(DATA));
    }

    @ParameterizedTest
    @EnumSource(Amo.class)
    void amoWReturnsTheSignExtendedOldWordAndStoresTheWordResult(Amo amo) {
        TestMachine m = new TestMachine(new Asm().amoW(amo.funct5, A0, A2, A1).ecall())
                .set(A1, DATA).set(A2, 0x7777_7777_0000_0000L | OPERAND_W); // the upper word must be ignored
        m.memory.store64(DATA, 0x5555_5555_0000_0000L | (OLD_W & 0xffff_ffffL));
        m.runToEcall();
        assertEquals((long) OLD_W, m.reg(A0));
        // Sign extension preserves both the signed and the unsigned order of words, so the 64-bit
        // definitions applied to sign-extended words give the word results.
        long expected = amo.result.applyAsLong(OLD_W, OPERAND_W) & 0xffff_ffffL;
        assertEquals(0x5555_5555_0000_0000L | expected, m.memory.load64(DATA));
    }

    @Test
    void amoToX0StillStores() {
        TestMachine m = new TestMachine(new Asm().amoD(AMOADD, ZERO, A2, A1).mv(A0, ZERO).ecall()).set(A1, DATA).set(A2, 5);
        m.memory.store64(DATA, 10);
        m.runToEcall();
        assertEquals(0L, m.reg(A0));
        assertEquals(15L, m.memory.load64(DATA));
    }

    @Test
    void misalignedAmoTrapsAsStoreMisaligned() {
        Asm a = TestMachine.withTrapHandler().amoW(AMOADD, A0, A2, A1).ecall();
        TestMachine m = new TestMachine(TestMachine.trapHandler(a)).set(A1, DATA + 2).runToEcall();
        assertEquals(Csr.CAUSE_STORE_MISALIGNED, m.reg(TestMachine.SCAUSE));
        assertEquals(DATA + 2, m.reg(TestMachine.STVAL));
    }

    @Test
    void amoOutsideRamTrapsAsStoreAccessFault() {
        Asm a = TestMachine.withTrapHandler().amoD(AMOSWAP, A0, A2, A1).ecall();
        TestMachine m = new TestMachine(TestMachine.trapHandler(a)).set(A1, TestMachine.RAM_END).runToEcall();
        assertEquals(Csr.CAUSE_STORE_ACCESS, m.reg(TestMachine.SCAUSE));
    }
}
