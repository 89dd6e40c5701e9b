package io.hotvisor.runtime.arch.riscv;

import static io.hotvisor.runtime.arch.riscv.Asm.*;
import static io.hotvisor.runtime.arch.riscv.TestMachine.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Zicsr on the supervisor CSRs and the read-only counters (RISC-V ISA manual, "Zicsr" chapter). */
class CsrTest {
    /** Runs {@code body} with a trap vector; returns scause, or 0 if the body reached its ecall. */
    private static long causeOf(Consumer<Asm> body) {
        Asm a = withTrapHandler();
        body.accept(a);
        return new TestMachine(trapHandler(a.ecall())).runToEcall().reg(SCAUSE);
    }

    @Test
    void writingTheReadOnlyCycleCounterIsIllegal() {
        assertEquals(Csr.CAUSE_ILLEGAL_INSTRUCTION, causeOf(a -> a.csrrw(A0, Csr.CYCLE, A1)));
    }

    @Test
    void settingBitsOfACounterIsIllegal() {
        assertEquals(Csr.CAUSE_ILLEGAL_INSTRUCTION, causeOf(a -> a.li(A1, 1).csrrs(A0, Csr.INSTRET, A1)));
    }

    @Test
    void readingACounterWithCsrrsOfX0IsLegal() {
        assertEquals(0L, causeOf(a -> a.csrrs(A0, Csr.CYCLE, ZERO)));
    }

    @Test
    void readingACounterWithCsrrciOfZeroIsLegal() {
        assertEquals(0L, causeOf(a -> a.csrrci(A0, Csr.TIME, 0)));
    }

    @Test
    void unknownCsrIsIllegal() {
        assertEquals(Csr.CAUSE_ILLEGAL_INSTRUCTION, causeOf(a -> a.csrr(A0, 0x5c0)));
    }

    @Test
    void machineModeCsrIsIllegal() {
        assertEquals(Csr.CAUSE_ILLEGAL_INSTRUCTION, causeOf(a -> a.csrr(A0, 0x300))); // mstatus
    }

    @Test
    void csrrwReturnsTheOldValueAndWritesTheNew() {
        Asm a = new Asm().li(A1, 0x1234).csrw(Csr.SSCRATCH, A1).li(A1, -7).csrrw(A0, Csr.SSCRATCH, A1).csrr(A2, Csr.SSCRATCH).ecall();
        TestMachine m = new TestMachine(a).runToEcall();
        assertEquals(0x1234L, m.reg(A0));
        assertEquals(-7L, m.reg(A2));
    }

    @Test
    void csrrsSetsAndCsrrcClearsBits() {
        Asm a = new Asm().li(A1, 0b1100).csrw(Csr.SSCRATCH, A1)
                .li(A1, 0b0011).csrrs(A0, Csr.SSCRATCH, A1)
                .li(A1, 0b0110).csrrc(A2, Csr.SSCRATCH, A1)
                .csrr(A3, Csr.SSCRATCH).ecall();
        TestMachine m = new TestMachine(a).runToEcall();
        assertEquals(0b1100L, m.reg(A0));
        assertEquals(0b1111L, m.reg(A2));
        assertEquals(0b1001L, m.reg(A3));
    }

    @Test
    void immediateFormsUseTheFiveBitZeroExtendedField() {
        Asm a = new Asm().csrrwi(ZERO, Csr.SSCRATCH, 31).csrrci(ZERO, Csr.SSCRATCH, 1).csrrsi(A0, Csr.SSCRATCH, 0).ecall();
        assertEquals(30L, new TestMachine(a).runToEcall().reg(A0));
    }

    @Test
    void sstatusReportsRv64UserModeAndKeepsOnlyItsWritableBits() {
        Asm a = new Asm().li(A1, -1).csrw(Csr.SSTATUS, A1).csrr(A0, Csr.SSTATUS).ecall();
        long sstatus = new TestMachine(a).runToEcall().reg(A0);
        long writable = Csr.SSTATUS_SIE | Csr.SSTATUS_SPIE | Csr.SSTATUS_SPP | Csr.SSTATUS_SUM | Csr.SSTATUS_MXR;
        assertEquals(writable | 2L << 32, sstatus);
    }

    @Test
    void sepcCannotHoldAnOddAddress() {
        Asm a = new Asm().li(A1, 0x8000_0003L).csrw(Csr.SEPC, A1).csrr(A0, Csr.SEPC).ecall();
        assertEquals(0x8000_0002L, new TestMachine(a).runToEcall().reg(A0));
    }

    @Test
    void satpIsBareAndIgnoresWrites() {
        Asm a = new Asm().li(A1, 8L << 60 | 0x80000).csrw(Csr.SATP, A1).csrr(A0, Csr.SATP).ecall();
        assertEquals(0L, new TestMachine(a).runToEcall().reg(A0));
    }

    @Test
    void timeReadsTheTimeSource() {
        TestMachine m = new TestMachine(new Asm().csrr(A0, Csr.TIME).ecall());
        m.now = 123_456_789L;
        assertEquals(123_456_789L, m.runToEcall().reg(A0));
    }

    @Test
    void instretCountsInstructionsOfEarlierRuns() {
        TestMachine m = new TestMachine(new Asm().nop().nop().ecall().csrr(A0, Csr.INSTRET).ecall()).runToEcall();
        m.runToEcall();
        assertEquals(3L, m.reg(A0));
    }

    @Test
    void csrWriteToX0DestinationStillWrites() {
        Asm a = new Asm().li(A1, 99).csrrw(ZERO, Csr.SSCRATCH, A1).csrr(A0, Csr.SSCRATCH).mv(A2, ZERO).ecall();
        TestMachine m = new TestMachine(a).runToEcall();
        assertEquals(99L, m.reg(A0));
        assertEquals(0L, m.reg(A2));
    }
}
