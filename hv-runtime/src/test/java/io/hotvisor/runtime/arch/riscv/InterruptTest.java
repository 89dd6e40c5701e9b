package io.hotvisor.runtime.arch.riscv;

import static io.hotvisor.runtime.arch.riscv.Asm.*;
import static io.hotvisor.runtime.arch.riscv.TestMachine.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Supervisor interrupts: the SBI timer ({@link Hart#setTimer}), external and software interrupts,
 * their enables (sie, sstatus.SIE), vectored stvec, and wfi.
 */
class InterruptTest {
    private static final long TIMER_INTERRUPT = Csr.CAUSE_INTERRUPT | 5;
    private static final int SIE_BIT = (int) Csr.SSTATUS_SIE;

    /** Sets stvec to the reporting handler and enables the given sie bits and, if asked, sstatus.SIE. */
    private static Asm enabling(long sieBits, boolean globally) {
        Asm a = withTrapHandler().li(T0, sieBits).csrrs(ZERO, Csr.SIE, T0);
        return globally ? a.csrrsi(ZERO, Csr.SSTATUS, SIE_BIT) : a;
    }

    /** A machine whose timer fired before it runs {@code a} (then li a0, 1 and ecall). */
    private static TestMachine expiredTimer(Asm a) {
        TestMachine m = new TestMachine(trapHandler(a.li(A0, 1).ecall()));
        m.hart.setTimer(50);
        m.now = 50;
        return m;
    }

    @Test
    void timerBecomesPendingWhenTimeReachesTheDeadline() {
        TestMachine m = new TestMachine(new Asm().csrr(A0, Csr.SIP).ecall().csrr(A1, Csr.SIP).ecall());
        m.hart.setTimer(100);
        m.now = 99;
        m.runToEcall();
        m.now = 100;
        m.runToEcall();
        assertEquals(0L, m.reg(A0) & Csr.STIP);
        assertEquals(Csr.STIP, m.reg(A1) & Csr.STIP);
    }

    @Test
    void settingTheTimerClearsAPendingTimerInterrupt() {
        TestMachine m = new TestMachine(new Asm().csrr(A0, Csr.SIP).ecall().csrr(A1, Csr.SIP).ecall());
        m.hart.setTimer(10);
        m.now = 20;
        m.runToEcall();
        m.hart.setTimer(1_000);
        m.runToEcall();
        assertEquals(Csr.STIP, m.reg(A0) & Csr.STIP);
        assertEquals(0L, m.reg(A1) & Csr.STIP);
    }

    @Test
    void timerInterruptIsTakenOnceStieAndSieAreBothSet() {
        Asm a = enabling(Csr.STIP, false);
        a.csrrsi(ZERO, Csr.SSTATUS, SIE_BIT);
        long afterEnable = a.here();
        TestMachine m = expiredTimer(a).runToEcall();
        assertEquals(TIMER_INTERRUPT, m.reg(SCAUSE));
        assertEquals(afterEnable, m.reg(SEPC));
        assertEquals(0L, m.reg(A0)); // the interrupted code never ran
    }

    @Test
    void interruptEntryMovesSieToSpie() {
        TestMachine m = expiredTimer(enabling(Csr.STIP, true)).runToEcall();
        assertEquals(Csr.SSTATUS_SPIE | Csr.SSTATUS_SPP, m.reg(SSTATUS) & (Csr.SSTATUS_SPIE | Csr.SSTATUS_SPP | Csr.SSTATUS_SIE));
    }

    @Test
    void timerInterruptIsNotTakenWithSstatusSieClear() {
        TestMachine m = expiredTimer(enabling(Csr.STIP, false)).runToEcall();
        assertEquals(1L, m.reg(A0));
        assertEquals(0L, m.reg(SCAUSE));
    }

    @Test
    void timerInterruptIsNotTakenWithStieClear() {
        TestMachine m = expiredTimer(enabling(Csr.SSIP, true)).runToEcall();
        assertEquals(1L, m.reg(A0));
        assertEquals(0L, m.reg(SCAUSE));
    }

    @Test
    void timerThatExpiresBetweenRunsIsTakenAtTheStartOfTheNext() {
        Asm a = enabling(Csr.STIP, true);
        TestMachine m = new TestMachine(trapHandler(a.ecall().li(A0, 1).ecall()));
        m.hart.setTimer(1_000);
        m.runToEcall();
        long resumeAt = m.hart.pc();
        m.now = 1_000;
        m.runToEcall();
        assertEquals(TIMER_INTERRUPT, m.reg(SCAUSE));
        assertEquals(resumeAt, m.reg(SEPC));
        assertEquals(0L, m.reg(A0));
    }

    @Test
    void vectoredStvecSendsInterruptsToBasePlusFourTimesCause() {
        Asm a = new Asm().la(T0, "vector").ori(T0, T0, 1).csrw(Csr.STVEC, T0)
                .li(T0, Csr.STIP).csrrs(ZERO, Csr.SIE, T0).csrrsi(ZERO, Csr.SSTATUS, SIE_BIT)
                .li(A0, 1).ecall()
                .align4().label("vector")
                .j("wrong").j("wrong").j("wrong").j("wrong").j("wrong")
                .li(A0, 5).ecall() // base + 4 * 5
                .label("wrong").li(A0, -1).ecall();
        TestMachine m = new TestMachine(a);
        m.hart.setTimer(0);
        assertEquals(5L, m.runToEcall().reg(A0));
    }

    @Test
    void externalInterruptHasTheHighestPriority() {
        TestMachine m = expiredTimer(enabling(Csr.STIP | Csr.SEIP | Csr.SSIP, false).csrrsi(ZERO, Csr.SIP, (int) Csr.SSIP)
                .csrrsi(ZERO, Csr.SSTATUS, SIE_BIT));
        m.hart.raiseInterrupt(Csr.SEIP);
        m.runToEcall();
        assertEquals(Csr.CAUSE_INTERRUPT | 9, m.reg(SCAUSE));
    }

    @Test
    void softwareInterruptSetThroughSipIsTakenRightAway() {
        Asm a = enabling(Csr.SSIP, true).csrrsi(ZERO, Csr.SIP, (int) Csr.SSIP);
        long after = a.here();
        TestMachine m = new TestMachine(trapHandler(a.li(A0, 1).ecall())).runToEcall();
        assertEquals(Csr.CAUSE_INTERRUPT | 1, m.reg(SCAUSE));
        assertEquals(after, m.reg(SEPC));
    }

    @Test
    void guestCannotSetTheTimerBitOfSip() {
        Asm a = new Asm().li(T0, Csr.STIP | Csr.SEIP).csrrs(ZERO, Csr.SIP, T0).csrr(A0, Csr.SIP).ecall();
        assertEquals(0L, new TestMachine(a).runToEcall().reg(A0));
    }

    @Test
    void sretIntoEnabledStateTakesThePendingInterrupt() {
        // The handler returns with SPIE = 1 while the timer is still pending: the interrupt is taken again at once.
        Asm a = new Asm().la(T0, "handler").csrw(Csr.STVEC, T0)
                .li(T0, Csr.STIP).csrrs(ZERO, Csr.SIE, T0).csrrsi(ZERO, Csr.SSTATUS, SIE_BIT)
                .label("body").li(A1, 1).ecall()
                .align4().label("handler").addi(A0, A0, 1).li(T1, 2).beq(A0, T1, "stop").sret()
                .label("stop").ecall();
        TestMachine m = new TestMachine(a).set(A0, 0);
        m.hart.setTimer(0);
        m.runToEcall();
        assertEquals(2L, m.reg(A0));
        assertEquals(0L, m.reg(A1));
    }

    @Test
    void wfiWithNothingPendingEndsTheRunAfterTheWfi() {
        TestMachine m = new TestMachine(new Asm().nop().wfi().ecall());
        assertEquals(Hart.EXIT_WFI, m.hart.run(BUDGET));
        assertEquals(CODE + 8, m.hart.pc());
        assertEquals(2L, m.hart.instret());
    }

    @Test
    void wfiWithAPendingInterruptDisabledInSieEndsTheRun() {
        TestMachine m = expiredTimer(enabling(Csr.SSIP, false).wfi());
        assertEquals(Hart.EXIT_WFI, m.hart.run(BUDGET));
    }

    @Test
    void wfiWithAnEnabledPendingInterruptContinuesEvenWithSieOff() {
        TestMachine m = expiredTimer(enabling(Csr.STIP, false).wfi()).runToEcall();
        assertEquals(1L, m.reg(A0));
        assertEquals(0L, m.reg(SCAUSE));
    }

    @Test
    void interruptPendingForWfiFollowsTimeAndSie() {
        TestMachine m = new TestMachine(new Asm().li(T0, Csr.STIP).csrrs(ZERO, Csr.SIE, T0).ecall());
        m.hart.setTimer(5);
        m.now = 4;
        assertFalse(m.hart.interruptPendingForWfi());
        m.now = 5;
        assertFalse(m.hart.interruptPendingForWfi()); // pending, but not yet enabled in sie
        m.runToEcall();
        assertTrue(m.hart.interruptPendingForWfi());
    }
}
