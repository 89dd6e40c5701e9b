package io.hotvisor.runtime.arch.riscv;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hotvisor.runtime.memory.GuestMemory;

/**
 * One hart on 32 KiB of guest RAM, running an {@link Asm} program from {@link #CODE}, with a clock
 * the test sets by hand. Every {@code ecall} ends the run ({@link Hart#EXIT_ECALL}), so a snippet
 * ends with one and the test then reads registers and memory.
 *
 * <p>{@link #withTrapHandler} gives programs a trap vector that copies scause, sepc, stval and
 * sstatus into t3-t6 and stops, which is how tests observe a trap.
 */
final class TestMachine {
    static final long CODE = GuestMemory.RAM_BASE;
    /** Scratch data, well past any test program, in its own pages. */
    static final long DATA = CODE + 0x4000;
    static final long RAM_SIZE = 0x8000;
    static final long RAM_END = CODE + RAM_SIZE;
    /** Enough for any snippet; a test that hits it has a runaway loop. */
    static final long BUDGET = 100_000;

    /**
     * Whether harts run translated blocks, every block from its first run: the build runs this
     * package's tests once per engine (see the second surefire execution in the module's pom).
     */
    static final boolean TRANSLATE = "translator".equals(System.getProperty("hv.test.engine"));

    /** Registers the trap handler of {@link #withTrapHandler} reports into. */
    static final int SCAUSE = Asm.T3, SEPC = Asm.T4, STVAL = Asm.T5, SSTATUS = Asm.T6;

    final GuestMemory memory = new GuestMemory(RAM_SIZE);
    final Hart hart;
    /** The guest's timebase, in ticks. */
    long now;

    TestMachine(Asm program) {
        hart = new Hart(0, memory, h -> Hart.EXIT_ECALL, () -> now);
        if (TRANSLATE) hart.useTranslations(new TranslationCache(memory, 1));
        byte[] code = program.bytes();
        memory.write(CODE, code, 0, code.length);
        hart.reset(CODE, 0);
    }

    /**
     * A program that first points stvec at a handler reporting the trap CSRs into
     * {@link #SCAUSE}, {@link #SEPC}, {@link #STVAL}, {@link #SSTATUS} and stopping; call
     * {@link #trapHandler(Asm)} at its end to emit that handler.
     */
    static Asm withTrapHandler() {
        return new Asm().la(Asm.T6, "trap").csrw(Csr.STVEC, Asm.T6);
    }

    /** Emits the handler {@link #withTrapHandler} points stvec at. */
    static Asm trapHandler(Asm a) {
        return a.align4().label("trap")
                .csrr(SCAUSE, Csr.SCAUSE).csrr(SEPC, Csr.SEPC).csrr(STVAL, Csr.STVAL).csrr(SSTATUS, Csr.SSTATUS)
                .ecall();
    }

    TestMachine set(int reg, long value) {
        hart.setReg(reg, value);
        return this;
    }

    /** Runs until the program's ecall, failing the test on any other exit. */
    TestMachine runToEcall() {
        int exit = hart.run(BUDGET);
        assertEquals(Hart.EXIT_ECALL, exit, () -> "exit " + exit + " at pc 0x" + Long.toHexString(hart.pc())
                + (hart.crashReason() == null ? "" : ": " + hart.crashReason()));
        return this;
    }

    long reg(int i) { return hart.reg(i); }

    /** Runs one R-type operation on a1, a2 into a0 and returns a0. */
    static long compute(RType op, long rs1, long rs2) {
        Asm a = new Asm();
        op.emit(a, Asm.A0, Asm.A1, Asm.A2);
        return new TestMachine(a.ecall()).set(Asm.A1, rs1).set(Asm.A2, rs2).runToEcall().reg(Asm.A0);
    }

    /** Runs one I-type operation on a1 with an immediate into a0 and returns a0. */
    static long computeImm(IType op, long rs1, int imm) {
        Asm a = new Asm();
        op.emit(a, Asm.A0, Asm.A1, imm);
        return new TestMachine(a.ecall()).set(Asm.A1, rs1).runToEcall().reg(Asm.A0);
    }

    @FunctionalInterface
    interface RType { Asm emit(Asm a, int rd, int rs1, int rs2); }

    @FunctionalInterface
    interface IType { Asm emit(Asm a, int rd, int rs1, int imm); }
}
