package io.hotvisor.runtime.arch.riscv;

import io.hotvisor.runtime.memory.GuestMemory;
import io.hotvisor.runtime.memory.GuestMemoryFault;

/**
 * One RISC-V hart: the architectural state of a vCPU and the interpreter that runs it.
 *
 * <p>Executes RV64IMAC with Zicsr and Zifencei in supervisor (or user) mode on guest-physical
 * memory, with {@code satp} fixed to Bare. {@code ecall} from S-mode is a hypercall handed to the
 * {@link EcallHandler}, as M-mode firmware (OpenSBI) would take it. Exceptions go to the guest's
 * {@code stvec}; a guest that has not set one, or whose vector itself cannot be fetched, crashes
 * instead, with the reason in {@link #crashReason()}.
 *
 * <p>Not thread-safe: one thread runs a hart at a time (the pCPU that scheduled its vCPU). Other
 * threads may only raise interrupts through {@link #raiseInterrupt(long)}.
 *
 * <p>The run loop is the hot path: it allocates nothing per instruction, decodes each instruction
 * word once into the memory's decoded page table, and keeps registers in a primitive array. Its
 * bytecode must stay under HotSpot's huge-method limit (8000 bytes) or it will not be JIT-compiled;
 * rare operations therefore live in separate methods.
 */
public final class Hart {
    /** {@link #run} returns: the instruction budget is spent. */
    public static final int EXIT_BUDGET = 0;
    /** {@link #run} returns: the hart executed {@code wfi} and waits for an interrupt. */
    public static final int EXIT_WFI = 1;
    /** {@link #run} returns: the ecall handler asked to end the slice (block, stop, shutdown). */
    public static final int EXIT_ECALL = 2;
    /** {@link #run} returns: the hart crashed; see {@link #crashReason()}. */
    public static final int EXIT_CRASH = 3;

    static final int PRIV_U = 0, PRIV_S = 1;
    private static final long NO_RESERVATION = 1; // odd, so never an LR address

    private final long[] x = new long[32];
    private long pc;
    private int priv = PRIV_S;
    private long sstatus, sie, stvec, sscratch, sepc, scause, stval, scounteren, senvcfg;
    private volatile long sip;
    private long stimecmp = -1L;
    private long instret;
    /** Instructions retired so far in the current {@link #run}, for counter reads inside it. */
    private long retiredInRun;
    /** Exceptions taken in the current run: a trapping instruction does not retire. */
    private long trapsInRun;
    /** Steps (retired or trapped instructions) of the last {@link #interpret}: its share of a slice's budget. */
    private long steps;
    /** The translated tier, or null when this hart only interprets. */
    private BlockRunner blocks;
    private long reservation = NO_RESERVATION;
    private long reservedValue;
    private String crashReason;

    private final int hartId;
    private final GuestMemory mem;
    private final EcallHandler ecalls;
    private final TimeSource time;

    public Hart(int hartId, GuestMemory mem, EcallHandler ecalls, TimeSource time) {
        this.hartId = hartId;
        this.mem = mem;
        this.ecalls = ecalls;
        this.time = time;
    }

    /** Resets the hart to S-mode at {@code entry} with a0 = hart id and a1 = {@code opaque}, as SBI HSM hart_start does. */
    public void reset(long entry, long opaque) {
        java.util.Arrays.fill(x, 0);
        x[10] = hartId;
        x[11] = opaque;
        pc = entry;
        priv = PRIV_S;
        sstatus = 0;
        sie = 0;
        sip = 0;
        stimecmp = -1L;
        reservation = NO_RESERVATION;
        crashReason = null;
    }

    public int hartId() { return hartId; }
    public long pc() { return pc; }
    public long reg(int i) { return x[i]; }
    public void setReg(int i, long value) { if (i != 0) x[i] = value; }
    public long instret() { return instret; }
    public String crashReason() { return crashReason; }
    public GuestMemory memory() { return mem; }

    /**
     * Runs this hart's guest code through translated blocks from {@code cache} (shared by the
     * domain's harts), or only through the interpreter when {@code cache} is null. Call it while
     * the hart is not running.
     */
    public void useTranslations(TranslationCache cache) {
        blocks = cache == null ? null : new BlockRunner(this, cache);
    }

    /** Whether {@link #run} goes through translated blocks. */
    public boolean translating() { return blocks != null; }

    long[] regs() { return x; }
    void setPc(long pc) { this.pc = pc; }
    long steps() { return steps; }
    /** Counts {@code n} instructions a translated block retired. */
    void retire(long n) { instret += n; }

    /**
     * A translated block's instruction at {@code pc} faulted: delivers the trap as the interpreter
     * would. @return false when the hart crashed instead
     */
    boolean blockFault(long pc, GuestMemoryFault f) {
        this.pc = pc;
        if (!trap(causeOf(f), f.address())) return false;
        trapsInRun--; // counted by interpret() only; here the caller counts retired instructions itself
        return true;
    }

    /** Current time in timebase ticks, as the guest's {@code time} CSR reads it. */
    public long time() { return time.now(); }

    /** SBI TIME set_timer: programs the next timer event and clears a pending timer interrupt. */
    public void setTimer(long deadline) {
        stimecmp = deadline;
        clearInterrupt(Csr.STIP);
    }

    /** The programmed timer deadline in timebase ticks (all ones: none). */
    public long timerDeadline() { return stimecmp; }

    /** Marks an interrupt pending; safe from any thread (IPIs, event delivery). */
    public synchronized void raiseInterrupt(long bit) { sip |= bit; }

    private synchronized void clearInterrupt(long bit) { sip &= ~bit; }

    /** True when an interrupt is pending and enabled in sie: the condition that ends a {@code wfi}. */
    public boolean interruptPendingForWfi() {
        updateTimer();
        return (sip & sie) != 0;
    }

    /**
     * Runs at most {@code budget} instructions.
     *
     * @return one of the {@code EXIT_} codes; the number of instructions retired is {@link #instret()}'s growth
     */
    public int run(long budget) {
        updateTimer();
        takeInterrupt();
        BlockRunner blocks = this.blocks;
        return blocks != null ? blocks.run(budget) : interpret(budget);
    }

    /**
     * The interpreter: runs at most {@code budget} instructions from {@link #pc}, without first
     * looking for interrupts. The block runner steps through what it does not translate with it.
     */
    int interpret(long budget) {
        final long[] x = this.x;
        final GuestMemory mem = this.mem;
        final long[][] pages = mem.decodedPages();
        final long ramSize = mem.size();
        long pc = this.pc;
        long n = 0;
        int exit = EXIT_BUDGET;
        while (n < budget) {
            long off = pc - GuestMemory.RAM_BASE;
            if (off < 0 || off >= ramSize - 1) {
                this.pc = pc;
                if (!trap(Csr.CAUSE_FETCH_ACCESS, pc)) { exit = EXIT_CRASH; break; }
                pc = this.pc;
                continue;
            }
            long[] page = pages[(int) (off >>> GuestMemory.PAGE_SHIFT)];
            int slot = (int) (off & ((1 << GuestMemory.PAGE_SHIFT) - 1)) >>> 1;
            long e = page == null ? 0 : page[slot];
            if (e == 0) e = decodeAt(off);
            int m = (int) e;
            int rd = (m >>> 8) & 31, rs1 = (m >>> 13) & 31, rs2 = (m >>> 18) & 31;
            long imm = e >> 32;
            long next = pc + 4 - ((m >>> 22) & 2);
            n++;
            try {
                switch (m & 0xff) {
                    case Op.LUI: x[rd] = imm; break;
                    case Op.AUIPC: x[rd] = pc + imm; break;
                    case Op.JAL: x[rd] = next; next = pc + imm; break;
                    case Op.JALR: { long t = (x[rs1] + imm) & ~1L; x[rd] = next; next = t; break; }
                    case Op.BEQ: if (x[rs1] == x[rs2]) next = pc + imm; break;
                    case Op.BNE: if (x[rs1] != x[rs2]) next = pc + imm; break;
                    case Op.BLT: if (x[rs1] < x[rs2]) next = pc + imm; break;
                    case Op.BGE: if (x[rs1] >= x[rs2]) next = pc + imm; break;
                    case Op.BLTU: if (Long.compareUnsigned(x[rs1], x[rs2]) < 0) next = pc + imm; break;
                    case Op.BGEU: if (Long.compareUnsigned(x[rs1], x[rs2]) >= 0) next = pc + imm; break;
                    case Op.LB: x[rd] = mem.load8(x[rs1] + imm); break;
                    case Op.LH: x[rd] = mem.load16(x[rs1] + imm); break;
                    case Op.LW: x[rd] = mem.load32(x[rs1] + imm); break;
                    case Op.LD: x[rd] = mem.load64(x[rs1] + imm); break;
                    case Op.LBU: x[rd] = mem.load8(x[rs1] + imm) & 0xffL; break;
                    case Op.LHU: x[rd] = mem.load16(x[rs1] + imm) & 0xffffL; break;
                    case Op.LWU: x[rd] = mem.load32(x[rs1] + imm) & 0xffff_ffffL; break;
                    case Op.SB: mem.store8(x[rs1] + imm, x[rs2]); break;
                    case Op.SH: mem.store16(x[rs1] + imm, x[rs2]); break;
                    case Op.SW: mem.store32(x[rs1] + imm, x[rs2]); break;
                    case Op.SD: mem.store64(x[rs1] + imm, x[rs2]); break;
                    case Op.ADDI: x[rd] = x[rs1] + imm; break;
                    case Op.SLTI: x[rd] = MulDiv.slt(x[rs1], imm); break;
                    case Op.SLTIU: x[rd] = MulDiv.sltu(x[rs1], imm); break;
                    case Op.XORI: x[rd] = x[rs1] ^ imm; break;
                    case Op.ORI: x[rd] = x[rs1] | imm; break;
                    case Op.ANDI: x[rd] = x[rs1] & imm; break;
                    case Op.SLLI: x[rd] = x[rs1] << imm; break;
                    case Op.SRLI: x[rd] = x[rs1] >>> imm; break;
                    case Op.SRAI: x[rd] = x[rs1] >> imm; break;
                    case Op.ADD: x[rd] = x[rs1] + x[rs2]; break;
                    case Op.SUB: x[rd] = x[rs1] - x[rs2]; break;
                    case Op.SLL: x[rd] = x[rs1] << x[rs2]; break; // Java masks a long shift by 63, as RV64 does
                    case Op.SLT: x[rd] = MulDiv.slt(x[rs1], x[rs2]); break;
                    case Op.SLTU: x[rd] = MulDiv.sltu(x[rs1], x[rs2]); break;
                    case Op.XOR: x[rd] = x[rs1] ^ x[rs2]; break;
                    case Op.SRL: x[rd] = x[rs1] >>> x[rs2]; break;
                    case Op.SRA: x[rd] = x[rs1] >> x[rs2]; break;
                    case Op.OR: x[rd] = x[rs1] | x[rs2]; break;
                    case Op.AND: x[rd] = x[rs1] & x[rs2]; break;
                    case Op.ADDIW: x[rd] = (int) (x[rs1] + imm); break;
                    case Op.SLLIW: x[rd] = (int) x[rs1] << imm; break;
                    case Op.SRLIW: x[rd] = (int) x[rs1] >>> imm; break;
                    case Op.SRAIW: x[rd] = (int) x[rs1] >> imm; break;
                    case Op.ADDW: x[rd] = (int) (x[rs1] + x[rs2]); break;
                    case Op.SUBW: x[rd] = (int) (x[rs1] - x[rs2]); break;
                    case Op.SLLW: x[rd] = (int) x[rs1] << (int) x[rs2]; break; // int shifts mask by 31, as the *W forms do
                    case Op.SRLW: x[rd] = (int) x[rs1] >>> (int) x[rs2]; break;
                    case Op.SRAW: x[rd] = (int) x[rs1] >> (int) x[rs2]; break;
                    case Op.MUL: x[rd] = x[rs1] * x[rs2]; break;
                    case Op.MULW: x[rd] = (int) x[rs1] * (int) x[rs2]; break;
                    case Op.FENCE: case Op.FENCE_I: break;
                    case Op.ECALL: {
                        this.pc = pc;
                        int r = ecall();
                        if (r == EXIT_CRASH) { exit = r; pc = this.pc; n--; break; }
                        if (this.pc != pc) { next = this.pc; } // a trap to the guest's own handler (U-mode ecall)
                        if (r != EXIT_BUDGET) { exit = r; }
                        break;
                    }
                    default: {
                        this.pc = pc;
                        retiredInRun = n - 1;
                        int r = system(m, rd, rs1, rs2, imm, next);
                        if (r == EXIT_CRASH) { exit = r; n--; break; }
                        next = this.pc;
                        if (r != EXIT_BUDGET) exit = r;
                    }
                }
            } catch (GuestMemoryFault f) {
                this.pc = pc;
                if (!trap(causeOf(f), f.address())) { exit = EXIT_CRASH; n--; break; }
                next = this.pc;
            }
            x[0] = 0;
            pc = next;
            if (exit != EXIT_BUDGET) break;
        }
        if (exit != EXIT_CRASH) this.pc = pc;
        steps = n;
        instret += n - trapsInRun;
        retiredInRun = 0;
        trapsInRun = 0;
        return exit;
    }

    /** The decoded entry of the instruction at RAM offset {@code off}, decoding (and caching) it if needed. */
    long decodedAt(long off) {
        long[] page = mem.decodedPages()[(int) (off >>> GuestMemory.PAGE_SHIFT)];
        long e = page == null ? 0 : page[(int) (off & ((1 << GuestMemory.PAGE_SHIFT) - 1)) >>> 1];
        return e != 0 ? e : decodeAt(off);
    }

    private long decodeAt(long off) {
        byte[] ram = mem.ramForFetch();
        int o = (int) off;
        int lo = (ram[o] & 0xff) | (ram[o + 1] & 0xff) << 8;
        long e;
        boolean cacheable = true;
        if ((lo & 3) != 3) {
            e = Decoder.decode16(lo);
        } else {
            if (off + 4 > mem.size()) return Op.entry(Op.FETCH_FAULT, 0, 0, 0, 2);
            int hi = (ram[o + 2] & 0xff) | (ram[o + 3] & 0xff) << 8;
            e = Decoder.decode32(lo | hi << 16);
            // An instruction straddling two pages is never cached: a store to the second page
            // would not drop it (GuestMemory invalidates one page per store).
            cacheable = ((o + 2) >>> GuestMemory.PAGE_SHIFT) == (o >>> GuestMemory.PAGE_SHIFT);
        }
        if (cacheable) {
            long[][] pages = mem.decodedPages();
            int p = o >>> GuestMemory.PAGE_SHIFT;
            long[] page = pages[p];
            if (page == null) {
                page = new long[1 << (GuestMemory.PAGE_SHIFT - 1)];
                pages[p] = page;
            }
            page[(o & ((1 << GuestMemory.PAGE_SHIFT) - 1)) >>> 1] = e;
        }
        return e;
    }

    private int ecall() {
        if (priv == PRIV_U) {
            return trap(Csr.CAUSE_ECALL_U, 0) ? EXIT_BUDGET : EXIT_CRASH;
        }
        return ecalls.ecall(this);
    }

    /** Everything not on the hot path: divisions, high multiplies, CSRs, atomics, privileged instructions. Sets {@link #pc}. */
    private int system(int m, int rd, int rs1, int rs2, long imm, long next) {
        long a = x[rs1], b = x[rs2];
        int op = m & 0xff;
        switch (op) {
            case Op.MULH: x[rd] = MulDiv.mulh(a, b); break;
            case Op.MULHSU: x[rd] = MulDiv.mulhsu(a, b); break;
            case Op.MULHU: x[rd] = MulDiv.mulhu(a, b); break;
            case Op.DIV: x[rd] = MulDiv.div(a, b); break;
            case Op.DIVU: x[rd] = MulDiv.divu(a, b); break;
            case Op.REM: x[rd] = MulDiv.rem(a, b); break;
            case Op.REMU: x[rd] = MulDiv.remu(a, b); break;
            case Op.DIVW: x[rd] = MulDiv.divw(a, b); break;
            case Op.DIVUW: x[rd] = MulDiv.divuw(a, b); break;
            case Op.REMW: x[rd] = MulDiv.remw(a, b); break;
            case Op.REMUW: x[rd] = MulDiv.remuw(a, b); break;
            case Op.CSRRW: case Op.CSRRS: case Op.CSRRC: case Op.CSRRWI: case Op.CSRRSI: case Op.CSRRCI:
                return csr(op, rd, rs1, (int) imm, next);
            case Op.LR_W: x[rd] = mem.loadReserved32(a); reservation = a; reservedValue = x[rd]; break;
            case Op.LR_D: x[rd] = mem.loadReserved64(a); reservation = a; reservedValue = x[rd]; break;
            case Op.SC_W: case Op.SC_D: {
                // The reservation is modelled by value: the store succeeds when this hart's LR
                // address matches and memory still holds the value LR read (a compare-and-set).
                boolean word = op == Op.SC_W;
                boolean ok = reservation == a && (word ? mem.compareAndSet32(a, reservedValue, b) : mem.compareAndSet64(a, reservedValue, b));
                if (!ok) {
                    if (word) mem.loadAtomic32(a); else mem.loadAtomic64(a); // still faults on a bad address
                }
                reservation = NO_RESERVATION;
                x[rd] = ok ? 0 : 1;
                break;
            }
            case Op.AMO_W: x[rd] = Amo.amo32(mem, a, b, (int) imm); break;
            case Op.AMO_D: x[rd] = Amo.amo64(mem, a, b, (int) imm); break;
            case Op.EBREAK:
                return trap(Csr.CAUSE_BREAKPOINT, pc) ? EXIT_BUDGET : EXIT_CRASH;
            case Op.FETCH_FAULT: // the second half of a 32-bit instruction lies past the end of RAM
                return trap(Csr.CAUSE_FETCH_ACCESS, pc + imm) ? EXIT_BUDGET : EXIT_CRASH;
            case Op.SRET:
                if (priv == PRIV_U) return illegal(imm);
                priv = (sstatus & Csr.SSTATUS_SPP) != 0 ? PRIV_S : PRIV_U;
                sstatus = (sstatus & Csr.SSTATUS_SPIE) != 0 ? sstatus | Csr.SSTATUS_SIE : sstatus & ~Csr.SSTATUS_SIE;
                sstatus = (sstatus | Csr.SSTATUS_SPIE) & ~Csr.SSTATUS_SPP;
                pc = sepc;
                takeInterrupt();
                return EXIT_BUDGET;
            case Op.WFI:
                if (priv == PRIV_U) return illegal(imm);
                pc = next;
                return interruptPendingForWfi() ? EXIT_BUDGET : EXIT_WFI;
            case Op.SFENCE_VMA:
                if (priv == PRIV_U) return illegal(imm);
                break;
            default:
                return illegal(imm);
        }
        x[0] = 0;
        pc = next;
        return EXIT_BUDGET;
    }

    private int illegal(long bits) {
        return trap(Csr.CAUSE_ILLEGAL_INSTRUCTION, bits & 0xffff_ffffL) ? EXIT_BUDGET : EXIT_CRASH;
    }

    private int csr(int op, int rd, int rs1, int csr, long next) {
        boolean immediate = op >= Op.CSRRWI;
        long src = immediate ? rs1 : x[rs1];
        int kind = immediate ? op - 3 : op;
        // csrrs/csrrc with x0 (or zimm 0) do not write: reading a read-only CSR that way is legal.
        boolean writes = kind == Op.CSRRW || rs1 != 0;
        if (priv == PRIV_U && csr < Csr.CYCLE) return illegal(0);
        // U-mode reads of cycle/time/instret need the matching scounteren bit (privileged spec, "scounteren").
        if (priv == PRIV_U && csr <= Csr.INSTRET && (scounteren & (1L << (csr - Csr.CYCLE))) == 0) return illegal(0);
        long old;
        switch (csr) {
            case Csr.SSTATUS -> old = sstatus | Csr.SSTATUS_UXL64;
            case Csr.SIE -> old = sie;
            case Csr.STVEC -> old = stvec;
            case Csr.SCOUNTEREN -> old = scounteren;
            case Csr.SENVCFG -> old = senvcfg;
            case Csr.SSCRATCH -> old = sscratch;
            case Csr.SEPC -> old = sepc;
            case Csr.SCAUSE -> old = scause;
            case Csr.STVAL -> old = stval;
            case Csr.SIP -> { updateTimer(); old = sip; }
            case Csr.SATP -> old = 0;
            case Csr.CYCLE, Csr.INSTRET -> old = instret + retiredInRun - trapsInRun;
            case Csr.TIME -> old = time.now();
            default -> { return illegal(0); }
        }
        if (writes) {
            long v = kind == Op.CSRRW ? src : kind == Op.CSRRS ? old | src : old & ~src;
            switch (csr) {
                case Csr.SSTATUS -> sstatus = v & Csr.SSTATUS_WRITABLE;
                case Csr.SIE -> sie = v & Csr.SIE_WRITABLE;
                case Csr.STVEC -> stvec = v & ~2L; // modes 0 (direct) and 1 (vectored) only
                case Csr.SCOUNTEREN -> scounteren = v & 7;
                case Csr.SENVCFG -> senvcfg = 0; // no optional features to enable
                case Csr.SSCRATCH -> sscratch = v;
                case Csr.SEPC -> sepc = v & ~1L;
                case Csr.SCAUSE -> scause = v;
                case Csr.STVAL -> stval = v;
                case Csr.SIP -> setSoftwareInterrupt((v & Csr.SIP_WRITABLE) != 0);
                case Csr.SATP -> { } // only Bare is implemented; writing another mode has no effect, as the spec allows
                default -> { return illegal(0); } // counters are read-only
            }
        }
        x[rd] = old;
        x[0] = 0;
        pc = next;
        takeInterrupt();
        return EXIT_BUDGET;
    }

    private synchronized void setSoftwareInterrupt(boolean on) {
        sip = on ? sip | Csr.SSIP : sip & ~Csr.SSIP;
    }

    private void updateTimer() {
        if (stimecmp != -1L && Long.compareUnsigned(time.now(), stimecmp) >= 0 && (sip & Csr.STIP) == 0) {
            raiseInterrupt(Csr.STIP);
        }
    }

    /** Takes the highest-priority pending, enabled interrupt (SEI, then SSI, then STI), if any. */
    private void takeInterrupt() {
        long pending = sip & sie;
        if (pending == 0 || (priv == PRIV_S && (sstatus & Csr.SSTATUS_SIE) == 0)) return;
        long cause = (pending & Csr.SEIP) != 0 ? 9 : (pending & Csr.SSIP) != 0 ? 1 : 5;
        enterTrap(Csr.CAUSE_INTERRUPT | cause, 0, pc);
        if ((stvec & 3) == 1) pc = (stvec & ~3L) + 4 * cause;
    }

    /**
     * Delivers a synchronous exception for the instruction at {@link #pc}.
     *
     * @return false when the guest has no way to take it: the hart is crashed instead
     */
    private boolean trap(long cause, long tval) {
        if (stvec == 0) {
            crashReason = describe(cause, tval) + " at pc 0x" + Long.toHexString(pc) + " with no trap vector (stvec = 0)";
            return false;
        }
        if (cause == Csr.CAUSE_FETCH_ACCESS && pc == (stvec & ~3L)) {
            crashReason = "trap vector 0x" + Long.toHexString(stvec & ~3L) + " is outside guest RAM";
            return false;
        }
        enterTrap(cause, tval, pc);
        trapsInRun++;
        return true;
    }

    private void enterTrap(long cause, long tval, long epc) {
        scause = cause;
        stval = tval;
        sepc = epc;
        long spie = (sstatus & Csr.SSTATUS_SIE) != 0 ? Csr.SSTATUS_SPIE : 0;
        long spp = priv == PRIV_S ? Csr.SSTATUS_SPP : 0;
        sstatus = (sstatus & ~(Csr.SSTATUS_SIE | Csr.SSTATUS_SPIE | Csr.SSTATUS_SPP)) | spie | spp;
        priv = PRIV_S;
        pc = stvec & ~3L;
    }

    private static long causeOf(GuestMemoryFault f) {
        return switch (f.access()) {
            case FETCH -> f.misaligned() ? Csr.CAUSE_FETCH_MISALIGNED : Csr.CAUSE_FETCH_ACCESS;
            case LOAD -> f.misaligned() ? Csr.CAUSE_LOAD_MISALIGNED : Csr.CAUSE_LOAD_ACCESS;
            case STORE -> f.misaligned() ? Csr.CAUSE_STORE_MISALIGNED : Csr.CAUSE_STORE_ACCESS;
        };
    }

    static String describe(long cause, long tval) {
        String hex = "0x" + Long.toHexString(tval);
        return switch ((int) cause) {
            case 0 -> "instruction address misaligned (" + hex + ")";
            case 1 -> "instruction access fault (" + hex + ")";
            case 2 -> "illegal instruction (" + hex + ")";
            case 3 -> "breakpoint";
            case 4 -> "load address misaligned (" + hex + ")";
            case 5 -> "load access fault (" + hex + ")";
            case 6 -> "store/AMO address misaligned (" + hex + ")";
            case 7 -> "store/AMO access fault (" + hex + ")";
            default -> "exception " + cause;
        };
    }

    /** The hypercall side of {@code ecall}: reads a0-a7 through {@link #reg}, writes a0/a1 back. */
    @FunctionalInterface
    public interface EcallHandler {
        /** @return {@link #EXIT_BUDGET} to continue, or an {@code EXIT_} code ending the slice */
        int ecall(Hart hart);
    }

    /** The guest's timebase: {@code time} CSR ticks. */
    @FunctionalInterface
    public interface TimeSource {
        long now();
    }
}
