package io.hotvisor.runtime.arch.riscv;

import static io.hotvisor.runtime.arch.riscv.Asm.*;
import static io.hotvisor.runtime.arch.riscv.TestMachine.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Synchronous exceptions taken to the guest's stvec (RISC-V privileged spec, "Supervisor Trap
 * Handling"), and the crash of a guest that has no trap vector.
 */
class TrapTest {
    private static final int ILLEGAL_WORD = 0xffff_ffff;
    private static final int MRET = 0x3020_0073;

    /** A machine that runs {@code body} once stvec is set; {@code faultPc} is the address of its first instruction. */
    private static Trapped trapOn(Consumer<Asm> body) {
        Asm a = withTrapHandler();
        long at = a.here();
        body.accept(a);
        a.ecall();
        return new Trapped(new TestMachine(trapHandler(a)), at);
    }

    private record Trapped(TestMachine machine, long faultPc) {
        Trapped set(int reg, long value) { machine.set(reg, value); return this; }
        Trapped run() { machine.runToEcall(); return this; }
        long scause() { return machine.reg(SCAUSE); }
        long sepc() { return machine.reg(SEPC); }
        long stval() { return machine.reg(STVAL); }
        long sstatus() { return machine.reg(SSTATUS); }
    }

    @Test
    void illegalInstructionTrapsWithItsBitsInStval() {
        Trapped t = trapOn(a -> a.word(ILLEGAL_WORD)).run();
        assertEquals(Csr.CAUSE_ILLEGAL_INSTRUCTION, t.scause());
        assertEquals(t.faultPc(), t.sepc());
        assertEquals(0xffff_ffffL, t.stval());
    }

    @Test
    void mretIsIllegalInSupervisorMode() {
        Trapped t = trapOn(a -> a.word(MRET)).run();
        assertEquals(Csr.CAUSE_ILLEGAL_INSTRUCTION, t.scause());
        assertEquals(MRET & 0xffff_ffffL, t.stval());
    }

    @Test
    void trapFromSupervisorModeSetsSppAndMovesSieToSpie() {
        Trapped t = trapOn(a -> a.csrrsi(ZERO, Csr.SSTATUS, (int) Csr.SSTATUS_SIE).word(ILLEGAL_WORD)).run();
        assertEquals(Csr.SSTATUS_SPP, t.sstatus() & Csr.SSTATUS_SPP);
        assertEquals(0L, t.sstatus() & Csr.SSTATUS_SIE);
        assertEquals(Csr.SSTATUS_SPIE, t.sstatus() & Csr.SSTATUS_SPIE);
    }

    @Test
    void trapWithSieClearLeavesSpieClear() {
        Trapped t = trapOn(a -> a.word(ILLEGAL_WORD)).run();
        assertEquals(0L, t.sstatus() & (Csr.SSTATUS_SIE | Csr.SSTATUS_SPIE));
    }

    @Test
    void ebreakTrapsAsABreakpointAtItsOwnPc() {
        Trapped t = trapOn(a -> a.nop().ebreak()).run();
        assertEquals(Csr.CAUSE_BREAKPOINT, t.scause());
        assertEquals(t.faultPc() + 4, t.sepc());
    }

    @Test
    void loadOutsideRamIsALoadAccessFaultWithTheAddressInStval() {
        Trapped t = trapOn(a -> a.ld(A0, A1, 8)).set(A1, RAM_END).run();
        assertEquals(Csr.CAUSE_LOAD_ACCESS, t.scause());
        assertEquals(RAM_END + 8, t.stval());
        assertEquals(t.faultPc(), t.sepc());
    }

    @Test
    void loadBelowRamIsALoadAccessFault() {
        Trapped t = trapOn(a -> a.lb(A0, ZERO, 16)).run();
        assertEquals(Csr.CAUSE_LOAD_ACCESS, t.scause());
        assertEquals(16L, t.stval());
    }

    @Test
    void loadStraddlingTheEndOfRamIsAnAccessFault() {
        Trapped t = trapOn(a -> a.lw(A0, A1, 0)).set(A1, RAM_END - 2).run();
        assertEquals(Csr.CAUSE_LOAD_ACCESS, t.scause());
    }

    @Test
    void storeOutsideRamIsAStoreAccessFault() {
        Trapped t = trapOn(a -> a.sb(A0, A1, 0)).set(A1, RAM_END).run();
        assertEquals(Csr.CAUSE_STORE_ACCESS, t.scause());
        assertEquals(RAM_END, t.stval());
    }

    @Test
    void faultingLoadLeavesItsDestinationUnchanged() {
        Trapped t = trapOn(a -> a.ld(A0, A1, 0)).set(A1, 0).set(A0, 1234).run();
        assertEquals(1234L, t.machine().reg(A0));
    }

    @Test
    void faultingStoreWritesNothing() {
        // Half inside RAM, half past its end: an access fault, and not one byte written.
        Trapped t = trapOn(a -> a.sd(A0, A1, 0)).set(A1, RAM_END - 4).set(A0, -1).run();
        assertEquals(Csr.CAUSE_STORE_ACCESS, t.scause());
        assertEquals(0L, t.machine().memory.load64(RAM_END - 8));
    }

    @Test
    void jumpOutsideRamIsAnInstructionAccessFault() {
        Trapped t = trapOn(a -> a.jalr(ZERO, A1, 0)).set(A1, RAM_END).run();
        assertEquals(Csr.CAUSE_FETCH_ACCESS, t.scause());
        assertEquals(RAM_END, t.sepc());
        assertEquals(RAM_END, t.stval());
    }

    @Test
    void withoutAVectorAFaultCrashesTheHartNamingFaultAndPc() {
        TestMachine m = new TestMachine(new Asm().nop().ld(A0, ZERO, 0).ecall());
        assertEquals(Hart.EXIT_CRASH, m.hart.run(BUDGET));
        assertTrue(m.hart.crashReason().contains("load access fault (0x0)"), m.hart.crashReason());
        assertTrue(m.hart.crashReason().contains("pc 0x80000004"), m.hart.crashReason());
        assertEquals(CODE + 4, m.hart.pc());
    }

    @Test
    void withoutAVectorAnIllegalInstructionCrashesTheHart() {
        TestMachine m = new TestMachine(new Asm().word(ILLEGAL_WORD));
        assertEquals(Hart.EXIT_CRASH, m.hart.run(BUDGET));
        assertTrue(m.hart.crashReason().startsWith("illegal instruction"), m.hart.crashReason());
        assertTrue(m.hart.crashReason().contains("pc 0x80000000"), m.hart.crashReason());
    }

    @Test
    void crashedInstructionDoesNotRetire() {
        TestMachine m = new TestMachine(new Asm().nop().nop().word(ILLEGAL_WORD));
        m.hart.run(BUDGET);
        assertEquals(2L, m.hart.instret());
    }

    @Test
    void trapVectorOutsideRamCrashesTheHart() {
        Asm a = new Asm().li(T0, RAM_END).csrw(Csr.STVEC, T0).word(ILLEGAL_WORD);
        TestMachine m = new TestMachine(a);
        assertEquals(Hart.EXIT_CRASH, m.hart.run(BUDGET));
        assertTrue(m.hart.crashReason().contains("trap vector"), m.hart.crashReason());
    }

    @Test
    void sretReturnsToSepcAndRestoresSieFromSpie() {
        Asm a = new Asm().la(T0, "handler").csrw(Csr.STVEC, T0)
                .csrrsi(ZERO, Csr.SSTATUS, (int) Csr.SSTATUS_SIE)
                .word(ILLEGAL_WORD)
                .label("resumed").csrr(A0, Csr.SSTATUS).li(A1, 1).ecall()
                .align4().label("handler")
                .csrr(T1, Csr.SEPC).addi(T1, T1, 4).csrw(Csr.SEPC, T1).sret();
        TestMachine m = new TestMachine(a).runToEcall();
        assertEquals(1L, m.reg(A1));
        long sstatus = m.reg(A0);
        assertEquals(Csr.SSTATUS_SIE, sstatus & Csr.SSTATUS_SIE);
        assertEquals(Csr.SSTATUS_SPIE, sstatus & Csr.SSTATUS_SPIE);
        assertEquals(0L, sstatus & Csr.SSTATUS_SPP);
    }

    /** sret with SPP = 0 drops to U-mode at "user"; there, the program runs {@code user}. */
    private static Trapped inUserMode(Consumer<Asm> user) {
        Asm a = withTrapHandler()
                .li(T0, Csr.SSTATUS_SPP).csrrc(ZERO, Csr.SSTATUS, T0)
                .la(T0, "user").csrw(Csr.SEPC, T0).sret()
                .label("user");
        long at = a.here();
        user.accept(a);
        a.ecall();
        return new Trapped(new TestMachine(trapHandler(a)), at);
    }

    @Test
    void ecallFromUserModeTrapsToTheGuestWithCause8() {
        Trapped t = inUserMode(a -> a.ecall()).run();
        assertEquals(Csr.CAUSE_ECALL_U, t.scause());
        assertEquals(t.faultPc(), t.sepc());
        assertEquals(0L, t.sstatus() & Csr.SSTATUS_SPP);
    }

    @Test
    void supervisorCsrIsIllegalInUserMode() {
        Trapped t = inUserMode(a -> a.csrr(A0, Csr.SSTATUS)).run();
        assertEquals(Csr.CAUSE_ILLEGAL_INSTRUCTION, t.scause());
        assertEquals(t.faultPc(), t.sepc());
    }

    @Test
    void sretIsIllegalInUserMode() {
        Trapped t = inUserMode(Asm::sret).run();
        assertEquals(Csr.CAUSE_ILLEGAL_INSTRUCTION, t.scause());
    }

    @Test
    void exceptionsGoToTheBaseOfAVectoredStvec() {
        Asm a = new Asm().la(T0, "trap").ori(T0, T0, 1).csrw(Csr.STVEC, T0).ebreak();
        TestMachine m = new TestMachine(trapHandler(a)).runToEcall();
        assertEquals(Csr.CAUSE_BREAKPOINT, m.reg(SCAUSE));
    }
}
