package io.hotvisor.runtime.arch.riscv;

import static io.hotvisor.runtime.arch.riscv.TestMachine.compute;
import static io.hotvisor.runtime.arch.riscv.TestMachine.computeImm;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Shifts on RV64: register amounts use the low 6 bits, and the *W forms the low 5 bits of a 32-bit value. */
class ShiftTest {
    @Test
    void sllUsesTheLowSixBitsOfTheAmount() {
        assertEquals(1L << 3, compute(Asm::sll, 1, 64 + 3));
    }

    @Test
    void srlUsesTheLowSixBitsOfTheAmount() {
        assertEquals(Long.MIN_VALUE >>> 5, compute(Asm::srl, Long.MIN_VALUE, 128 + 5));
    }

    @Test
    void sraUsesTheLowSixBitsAndShiftsInTheSign() {
        assertEquals(-1L, compute(Asm::sra, Long.MIN_VALUE, 64 + 63));
    }

    @Test
    void slliShiftsBy63() {
        assertEquals(Long.MIN_VALUE, computeImm(Asm::slli, 1, 63));
    }

    @Test
    void sraiShiftsInTheSignAndSrliZeros() {
        assertEquals(0xffff_ffff_ffff_fff0L, computeImm(Asm::srai, 0x8000_0000_0000_0000L, 59));
        assertEquals(0x10L, computeImm(Asm::srli, 0x8000_0000_0000_0000L, 59));
    }

    @Test
    void srlwByZeroSignExtendsTheLowWord() {
        assertEquals(0xffff_ffff_8000_0000L, compute(Asm::srlw, 0x8000_0000L, 0));
    }

    @Test
    void srlwUsesTheLowFiveBitsAndZeroFillsTheWord() {
        assertEquals(0x0800_0000L, compute(Asm::srlw, 0xffff_ffff_8000_0000L, 32 + 4));
    }

    @Test
    void sllwUsesTheLowFiveBitsAndSignExtends() {
        assertEquals(0xffff_ffff_8000_0000L, compute(Asm::sllw, 1, 32 + 31));
    }

    @Test
    void srawShiftsInBit31NotBit63() {
        assertEquals(-1L, compute(Asm::sraw, 0x0000_0000_8000_0000L, 31));
        assertEquals(0L, compute(Asm::sraw, 0x8000_0000_7fff_ffffL, 31));
    }

    @Test
    void slliwSignExtendsTheShiftedWord() {
        assertEquals(0xffff_ffff_8000_0000L, computeImm(Asm::slliw, 0x1234_5678_0000_0001L, 31));
    }

    @Test
    void srliwOfZeroSignExtendsTheWord() {
        assertEquals(0xffff_ffff_8000_0000L, computeImm(Asm::srliw, 0x8000_0000L, 0));
        assertEquals(1L, computeImm(Asm::srliw, 0x8000_0000L, 31));
    }

    @Test
    void sraiwShiftsInBit31() {
        assertEquals(0xffff_ffff_ffff_fff8L, computeImm(Asm::sraiw, 0x8000_0000L, 28));
    }
}
