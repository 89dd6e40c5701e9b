package io.hotvisor.runtime.arch.riscv;

import static io.hotvisor.runtime.arch.riscv.Asm.*;
import static io.hotvisor.runtime.arch.riscv.TestMachine.CODE;
import static io.hotvisor.runtime.arch.riscv.TestMachine.DATA;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The C extension: each 16-bit instruction behaves as its 32-bit expansion (RISC-V ISA manual, "C" chapter). */
class CompressedTest {
    private static TestMachine run(Asm a) {
        return new TestMachine(a.ecall()).runToEcall();
    }

    @Test
    void cAddiAddsASignExtendedSixBitImmediate() {
        TestMachine m = new TestMachine(new Asm().cAddi(A0, -32).cAddi(A1, 31).ecall()).set(A0, 100).set(A1, 1).runToEcall();
        assertEquals(68L, m.reg(A0));
        assertEquals(32L, m.reg(A1));
    }

    @Test
    void cAddiwSignExtendsTheWordSum() {
        TestMachine m = new TestMachine(new Asm().cAddiw(A0, 1).ecall()).set(A0, 0x7fff_ffffL).runToEcall();
        assertEquals(0xffff_ffff_8000_0000L, m.reg(A0));
    }

    @Test
    void cLiLoadsASignExtendedImmediate() {
        TestMachine m = run(new Asm().cLi(A0, -1).cLi(T6, 31));
        assertEquals(-1L, m.reg(A0));
        assertEquals(31L, m.reg(T6));
    }

    @Test
    void cLuiSignExtendsBit17() {
        TestMachine m = run(new Asm().cLui(A0, -32).cLui(A1, 31));
        assertEquals(0xffff_ffff_fffe_0000L, m.reg(A0));
        assertEquals(0x1f000L, m.reg(A1));
    }

    @Test
    void cAddi16spAddsAMultipleOf16ToSp() {
        TestMachine m = new TestMachine(new Asm().cAddi16sp(-512).mv(A0, SP).cAddi16sp(496).ecall()).set(SP, DATA).runToEcall();
        assertEquals(DATA - 512, m.reg(A0));
        assertEquals(DATA - 16, m.reg(SP));
    }

    @Test
    void cAddi4spnAddsAZeroExtendedImmediateToSp() {
        TestMachine m = new TestMachine(new Asm().cAddi4spn(S0, 1020).cAddi4spn(A5, 4).ecall()).set(SP, DATA).runToEcall();
        assertEquals(DATA + 1020, m.reg(S0));
        assertEquals(DATA + 4, m.reg(A5));
    }

    @Test
    void cLwSignExtendsAndCSwStoresAWord() {
        Asm a = new Asm().cLw(A0, S0, 124).cSw(A0, S1, 64).ecall();
        TestMachine m = new TestMachine(a).set(S0, DATA).set(S1, DATA + 0x100);
        m.memory.store32(DATA + 124, 0x8000_0001L);
        m.runToEcall();
        assertEquals(0xffff_ffff_8000_0001L, m.reg(A0));
        assertEquals(0x8000_0001L, m.memory.load64(DATA + 0x100 + 64));
    }

    @Test
    void cLdAndCSdMoveDoublewords() {
        Asm a = new Asm().cLd(A0, S0, 248).cSd(A0, S1, 8).ecall();
        TestMachine m = new TestMachine(a).set(S0, DATA).set(S1, DATA + 0x200);
        m.memory.store64(DATA + 248, 0x0123_4567_89ab_cdefL);
        m.runToEcall();
        assertEquals(0x0123_4567_89ab_cdefL, m.reg(A0));
        assertEquals(0x0123_4567_89ab_cdefL, m.memory.load64(DATA + 0x208));
    }

    @Test
    void cLwspAndCSwspAddressFromSp() {
        Asm a = new Asm().cLwsp(T0, 252).cSwsp(T0, 4).ecall();
        TestMachine m = new TestMachine(a).set(SP, DATA);
        m.memory.store32(DATA + 252, 0xfedc_ba98L);
        m.runToEcall();
        assertEquals(0xffff_ffff_fedc_ba98L, m.reg(T0));
        assertEquals(0xfedc_ba98L, m.memory.load32(DATA + 4) & 0xffff_ffffL);
    }

    @Test
    void cLdspAndCSdspAddressFromSp() {
        Asm a = new Asm().cLdsp(RA, 504).cSdsp(RA, 8).ecall();
        TestMachine m = new TestMachine(a).set(SP, DATA);
        m.memory.store64(DATA + 504, -5L);
        m.runToEcall();
        assertEquals(-5L, m.reg(RA));
        assertEquals(-5L, m.memory.load64(DATA + 8));
    }

    @Test
    void cJJumpsForwardAndBackward() {
        Asm a = new Asm().cJ("forward").label("back").cLi(A1, 2).ecall().label("forward").cLi(A0, 1).cJ("back");
        TestMachine m = new TestMachine(a).runToEcall();
        assertEquals(1L, m.reg(A0));
        assertEquals(2L, m.reg(A1));
    }

    @Test
    void cBeqzBranchesOnlyOnZero() {
        Asm a = new Asm().cBeqz(A0, "zero").cLi(A1, 1).ecall().label("zero").cLi(A1, 2).ecall();
        assertEquals(2L, new TestMachine(a).set(A0, 0).runToEcall().reg(A1));
        assertEquals(1L, new TestMachine(a).set(A0, 0x1_0000_0000L).runToEcall().reg(A1));
    }

    @Test
    void cBnezLoopsBackward() {
        Asm a = new Asm().cLi(A0, 0).cLi(S0, 5).label("loop").cAddi(A0, 3).cAddi(S0, -1).cBnez(S0, "loop");
        assertEquals(15L, run(a).reg(A0));
    }

    @Test
    void cMvCopiesAndCAddAdds() {
        TestMachine m = new TestMachine(new Asm().cMv(A0, T6).cAdd(A0, A1).ecall()).set(T6, 40).set(A1, 2).runToEcall();
        assertEquals(42L, m.reg(A0));
        assertEquals(40L, m.reg(T6));
    }

    @Test
    void cJrJumpsWithoutLinking() {
        Asm a = new Asm().la(T0, "target").cJr(T0).cLi(A0, 1).ecall().label("target").cLi(A0, 2).ecall();
        TestMachine m = new TestMachine(a).runToEcall();
        assertEquals(2L, m.reg(A0));
        assertEquals(0L, m.reg(RA));
    }

    @Test
    void cJalrLinksPcPlus2() {
        Asm a = new Asm().la(T0, "target").cJalr(T0).ecall().label("target").cJr(RA);
        TestMachine m = new TestMachine(a).runToEcall();
        assertEquals(CODE + 10, m.reg(RA)); // la is 8 bytes, c.jalr 2
        assertEquals(CODE + 14, m.hart.pc()); // returned to the ecall after c.jalr, and ran it
    }

    @Test
    void cSrliShiftsLogicallyAndCSraiArithmetically() {
        Asm a = new Asm().cSrli(A0, 33).cSrai(A1, 63).ecall();
        TestMachine m = new TestMachine(a).set(A0, Long.MIN_VALUE).set(A1, Long.MIN_VALUE).runToEcall();
        assertEquals(Long.MIN_VALUE >>> 33, m.reg(A0));
        assertEquals(-1L, m.reg(A1));
    }

    @Test
    void cSlliShiftsBy63() {
        assertEquals(Long.MIN_VALUE, new TestMachine(new Asm().cSlli(A0, 63).ecall()).set(A0, 1).runToEcall().reg(A0));
    }

    @Test
    void cAndiMasksWithASignExtendedImmediate() {
        TestMachine m = new TestMachine(new Asm().cAndi(A0, -32).cAndi(A1, 15).ecall()).set(A0, -1).set(A1, 0xff).runToEcall();
        assertEquals(-32L, m.reg(A0));
        assertEquals(15L, m.reg(A1));
    }

    @Test
    void cRegisterArithmeticWorksOnTheCompressedRegisters() {
        Asm a = new Asm().cSub(A0, A1).cXor(A2, A1).cOr(A3, A1).cAnd(A4, A1).ecall();
        TestMachine m = new TestMachine(a).set(A0, 10).set(A1, 0b0110).set(A2, 0b0101).set(A3, 0b1001).set(A4, 0b1100).runToEcall();
        assertEquals(4L, m.reg(A0));
        assertEquals(0b0011L, m.reg(A2));
        assertEquals(0b1111L, m.reg(A3));
        assertEquals(0b0100L, m.reg(A4));
    }

    @Test
    void cSubwAndCAddwSignExtendTheWordResult() {
        Asm a = new Asm().cSubw(A0, A1).cAddw(S0, S1).ecall();
        TestMachine m = new TestMachine(a).set(A0, 0x8000_0000L).set(A1, 1).set(S0, 0x7fff_ffffL).set(S1, 1).runToEcall();
        assertEquals(0x7fff_ffffL, m.reg(A0));
        assertEquals(0xffff_ffff_8000_0000L, m.reg(S0));
    }

    @Test
    void cEbreakTrapsAsABreakpoint() {
        Asm a = TestMachine.withTrapHandler();
        long at = a.here();
        TestMachine m = new TestMachine(TestMachine.trapHandler(a.cEbreak().ecall())).runToEcall();
        assertEquals(Csr.CAUSE_BREAKPOINT, m.reg(TestMachine.SCAUSE));
        assertEquals(at, m.reg(TestMachine.SEPC));
    }

    @Test
    void allZeroHalfwordIsIllegal() {
        Asm a = TestMachine.withTrapHandler();
        long at = a.here();
        TestMachine m = new TestMachine(TestMachine.trapHandler(a.half(0).ecall())).runToEcall();
        assertEquals(Csr.CAUSE_ILLEGAL_INSTRUCTION, m.reg(TestMachine.SCAUSE));
        assertEquals(at, m.reg(TestMachine.SEPC));
        assertEquals(0L, m.reg(TestMachine.STVAL));
    }

    @Test
    void reservedCompressedEncodingsAreIllegal() {
        int[] reserved = {
            0x6101, // c.addi16sp with nzimm = 0
            0x6081, // c.lui ra with nzimm = 0
            0x8002, // c.jr with rs1 = x0
            0x4002, // c.lwsp with rd = x0
            0x9c41, // c.subw/c.addw group, funct2 = 0b10
        };
        for (int h : reserved) {
            Asm a = TestMachine.withTrapHandler().half(h).ecall();
            TestMachine m = new TestMachine(TestMachine.trapHandler(a)).runToEcall();
            assertEquals(Csr.CAUSE_ILLEGAL_INSTRUCTION, m.reg(TestMachine.SCAUSE), () -> Integer.toHexString(h));
            assertEquals(h, m.reg(TestMachine.STVAL));
        }
    }

    @Test
    void mixedStreamsAdvanceByEachInstructionsLength() {
        Asm a = new Asm().cLi(A0, 1).addi(A0, A0, 10).cAddi(A0, 20).lui(A1, 1).cAdd(A0, A1).addi(A0, A0, 1000).ecall();
        TestMachine m = run(a);
        assertEquals(1 + 10 + 20 + 0x1000 + 1000L, m.reg(A0));
        assertEquals(CODE + 2 + 4 + 2 + 4 + 2 + 4 + 4, m.hart.pc());
    }

    @Test
    void a32BitInstructionAtAHalfwordBoundaryRuns() {
        Asm a = new Asm().cNop().li(A0, 0x12345).cNop().ld(A1, S0, 0).ecall();
        TestMachine m = new TestMachine(a).set(S0, DATA);
        m.memory.store64(DATA, 77);
        m.runToEcall();
        assertEquals(0x12345L, m.reg(A0));
        assertEquals(77L, m.reg(A1));
    }
}
