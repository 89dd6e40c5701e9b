package io.hotvisor.runtime.arch.riscv;

import static io.hotvisor.runtime.arch.riscv.Asm.*;
import static io.hotvisor.runtime.arch.riscv.TestMachine.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Conformance points found by the ISA suite and fixed in the interpreter; one behaviour each. */
class HartConformanceFixesTest {
    @Test
    void instretAdvancesWithinOneRun() {
        Asm a = new Asm().csrr(A0, Csr.INSTRET).nop().nop().csrr(A1, Csr.INSTRET).ecall();
        TestMachine m = new TestMachine(a).runToEcall();
        assertEquals(3L, m.reg(A1) - m.reg(A0));
    }

    @Test
    void userModeCycleReadWithScounterenClearIsIllegal() {
        Asm a = withTrapHandler()
                .li(T0, Csr.SSTATUS_SPP).csrrc(ZERO, Csr.SSTATUS, T0)
                .la(T0, "user").csrw(Csr.SEPC, T0).sret()
                .label("user").csrr(A0, Csr.CYCLE).ecall();
        TestMachine m = new TestMachine(trapHandler(a)).runToEcall();
        assertEquals(Csr.CAUSE_ILLEGAL_INSTRUCTION, m.reg(SCAUSE));
    }

    @Test
    void instructionStraddlingTheEndOfRamIsAFetchAccessFault() {
        Asm a = withTrapHandler().jalr(ZERO, A1, 0);
        TestMachine m = new TestMachine(trapHandler(a)).set(A1, RAM_END - 2);
        m.memory.store16(RAM_END - 2, 0x0013); // low half of an addi: a 32-bit instruction
        m.runToEcall();
        assertEquals(Csr.CAUSE_FETCH_ACCESS, m.reg(SCAUSE));
    }

    @Test
    void misalignedLrIsALoadAddressMisaligned() {
        Asm a = withTrapHandler().lrW(A0, A1);
        TestMachine m = new TestMachine(trapHandler(a)).set(A1, DATA + 2).runToEcall();
        assertEquals(Csr.CAUSE_LOAD_MISALIGNED, m.reg(SCAUSE));
    }

    @Test
    void lrOutsideRamIsALoadAccessFault() {
        Asm a = withTrapHandler().lrD(A0, A1);
        TestMachine m = new TestMachine(trapHandler(a)).set(A1, RAM_END).runToEcall();
        assertEquals(Csr.CAUSE_LOAD_ACCESS, m.reg(SCAUSE));
    }

    @Test
    void trappingInstructionDoesNotRetire() {
        Asm a = withTrapHandler().word(0xffff_ffff);
        TestMachine m = new TestMachine(trapHandler(a));
        m.runToEcall();
        // la (2) + csrw (1) + 4 csrr + ecall = 8 retired; the illegal instruction does not retire
        assertEquals(8L, m.hart.instret());
    }
}
