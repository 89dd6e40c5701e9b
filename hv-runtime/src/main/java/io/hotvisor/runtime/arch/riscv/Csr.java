package io.hotvisor.runtime.arch.riscv;

/** Supervisor-level CSR numbers and bits this machine implements (RISC-V privileged spec, ch. "Supervisor-Level ISA"). */
public final class Csr {
    private Csr() {}

    public static final int SSTATUS = 0x100, SIE = 0x104, STVEC = 0x105, SCOUNTEREN = 0x106, SENVCFG = 0x10a;
    public static final int SSCRATCH = 0x140, SEPC = 0x141, SCAUSE = 0x142, STVAL = 0x143, SIP = 0x144, SATP = 0x180;
    public static final int CYCLE = 0xc00, TIME = 0xc01, INSTRET = 0xc02;

    public static final long SSTATUS_SIE = 1L << 1, SSTATUS_SPIE = 1L << 5, SSTATUS_SPP = 1L << 8;
    public static final long SSTATUS_SUM = 1L << 18, SSTATUS_MXR = 1L << 19;
    /** UXL = 2: U-mode is RV64; read-only here. */
    static final long SSTATUS_UXL64 = 2L << 32;
    static final long SSTATUS_WRITABLE = SSTATUS_SIE | SSTATUS_SPIE | SSTATUS_SPP | SSTATUS_SUM | SSTATUS_MXR;

    /** Interrupt bits of sip/sie: supervisor software, timer and external. */
    public static final long SSIP = 1L << 1, STIP = 1L << 5, SEIP = 1L << 9;
    static final long SIE_WRITABLE = SSIP | STIP | SEIP;
    /** The guest may only set or clear the software-interrupt bit of sip; STIP and SEIP belong to the SBI side. */
    static final long SIP_WRITABLE = SSIP;

    /** Exception codes written to scause. */
    public static final long CAUSE_FETCH_MISALIGNED = 0, CAUSE_FETCH_ACCESS = 1, CAUSE_ILLEGAL_INSTRUCTION = 2,
            CAUSE_BREAKPOINT = 3, CAUSE_LOAD_MISALIGNED = 4, CAUSE_LOAD_ACCESS = 5, CAUSE_STORE_MISALIGNED = 6,
            CAUSE_STORE_ACCESS = 7, CAUSE_ECALL_U = 8;
    /** Interrupt flag of scause (bit XLEN-1). */
    public static final long CAUSE_INTERRUPT = 1L << 63;
}
