package io.hotvisor.runtime.arch.riscv;

import static io.hotvisor.runtime.arch.riscv.Asm.*;
import static io.hotvisor.runtime.arch.riscv.TestMachine.compute;
import static io.hotvisor.runtime.arch.riscv.TestMachine.computeImm;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** RV64I register-immediate and register-register operations, x0, and the 32-bit (*W) forms. */
class IntegerTest {
    @Test
    void addwWrapsAt32BitsAndSignExtends() {
        assertEquals(0xffff_ffff_8000_0000L, compute(Asm::addw, 0x7fff_ffffL, 1));
    }

    @Test
    void addwIgnoresTheUpperWords() {
        assertEquals(3L, compute(Asm::addw, 0xaaaa_aaaa_0000_0001L, 0x5555_5555_0000_0002L));
    }

    @Test
    void subwWrapsAt32BitsAndSignExtends() {
        assertEquals(0x7fff_ffffL, compute(Asm::subw, 0x8000_0000L, 1));
    }

    @Test
    void addiwSignExtendsTheWordSum() {
        assertEquals(0xffff_ffff_8000_0000L, computeImm(Asm::addiw, 0x7fff_ffffL, 1));
        assertEquals(-1L, computeImm(Asm::addiw, 0x1_0000_0000L, -1));
    }

    @Test
    void addiwOfZeroSignExtendsTheLowWord() {
        assertEquals(0xffff_ffff_ffff_ffffL, computeImm(Asm::addiw, 0x0000_0000_ffff_ffffL, 0));
    }

    @Test
    void immediatesAreSignExtended() {
        assertEquals(-1L, computeImm(Asm::addi, 0, -1));
        assertEquals(0xffff_ffff_ffff_f800L, computeImm(Asm::ori, 0, -2048));
        assertEquals(0x00ff_0000_0000_0ff0L, computeImm(Asm::andi, 0x00ff_0000_0000_0ff0L, -1));
        assertEquals(~0x0123L, computeImm(Asm::xori, 0x0123L, -1));
    }

    @Test
    void sltAndSltiCompareSigned() {
        assertEquals(1L, compute(Asm::slt, -1, 0));
        assertEquals(1L, computeImm(Asm::slti, -5, -4));
    }

    @Test
    void sltuAndSltiuCompareUnsigned() {
        assertEquals(0L, compute(Asm::sltu, -1, 0));
        assertEquals(1L, computeImm(Asm::sltiu, 5, -1)); // -1 sign-extends to the largest unsigned value
    }

    @Test
    void luiSignExtendsOnRv64() {
        TestMachine m = new TestMachine(new Asm().lui(A0, 0x80000).lui(A1, 0x7ffff).ecall()).runToEcall();
        assertEquals(0xffff_ffff_8000_0000L, m.reg(A0));
        assertEquals(0x7fff_f000L, m.reg(A1));
    }

    @Test
    void luiClearsTheLow12Bits() {
        assertEquals(0x7ffff000L, new TestMachine(new Asm().li(A0, -1).lui(A0, 0x7ffff).ecall()).runToEcall().reg(A0));
    }

    @Test
    void auipcAddsTheSignExtendedUpperImmediateToItsOwnPc() {
        Asm a = new Asm().nop().auipc(A0, 0xfffff).auipc(A1, 0x1).ecall();
        TestMachine m = new TestMachine(a).runToEcall();
        assertEquals(TestMachine.CODE + 4 - 0x1000, m.reg(A0));
        assertEquals(TestMachine.CODE + 8 + 0x1000, m.reg(A1));
    }

    @Test
    void liBuildsArbitrary64BitConstants() {
        long[] values = {0x1234_5678_9abc_def0L, Long.MIN_VALUE, Long.MAX_VALUE, 0x7fff_ffffL, 0x8000_0000L, -2049, 0xffff_ffff_0000_0800L};
        for (long v : values) {
            assertEquals(v, new TestMachine(new Asm().li(A0, v).ecall()).runToEcall().reg(A0), Long.toHexString(v));
        }
    }

    @Test
    void writesToX0AreDiscarded() {
        Asm a = new Asm().addi(ZERO, ZERO, 5).lui(ZERO, 0x12345).add(A0, ZERO, ZERO).jal(ZERO, "next")
                .label("next").add(A1, ZERO, ZERO).ecall();
        TestMachine m = new TestMachine(a).runToEcall();
        assertEquals(0L, m.reg(A0));
        assertEquals(0L, m.reg(A1));
        assertEquals(0L, m.reg(ZERO));
    }

    @Test
    void setRegOfX0IsIgnored() {
        TestMachine m = new TestMachine(new Asm().mv(A0, ZERO).ecall()).set(ZERO, 42).runToEcall();
        assertEquals(0L, m.reg(A0));
    }
}
